import { Command, CommanderError } from 'commander';
import { CeleriacError } from '../core/errors.js';
import { packageVersion } from '../core/version.js';
import { registerCall } from './call.js';
import { registerPurge } from './purge.js';
import { registerResult } from './result.js';
import { registerBeat } from './beat.js';
import { registerWorker } from './worker.js';
import { registerDead } from './dead.js';
import { registerQueue } from './queue.js';
import { registerInspect } from './inspect.js';
import { registerServe } from './serve.js';
import { registerBatch } from './batch.js';

/** Builds the `celeriac` program; exported so tests can drive it in-process. */
export function buildProgram(): Command {
  const program = new Command('celeriac')
    .description("Celery's task queue in TypeScript, wire-compatible with Python Celery 5 over Redis")
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)');
  registerCall(program);
  registerResult(program);
  registerPurge(program);
  registerWorker(program);
  registerBeat(program);
  registerDead(program);
  registerQueue(program);
  registerInspect(program);
  registerServe(program);
  registerBatch(program);
  return program;
}

/** Runs the CLI: a failure is one clear line on stderr and exit code 1, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    const text = err instanceof CeleriacError ? `${err.name}: ${err.message}` : `error: ${err instanceof Error ? err.message : String(err)}`;
    process.stderr.write(`celeriac: ${text}\n`);
    if (process.env.CELERIAC_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  }
}
