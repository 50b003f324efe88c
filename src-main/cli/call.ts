import type { Command } from 'commander';
import { RemoteTaskError } from '../core/errors.js';
import { connectedApp, jsonOf, numberIn, withConnectionFlags, type ConnectionFlags } from './options.js';

interface CallFlags extends ConnectionFlags {
  args: unknown[];
  kwargs: Record<string, unknown>;
  queue?: string;
  countdown?: number;
  eta?: string;
  expires?: number;
  priority?: number;
  wait?: boolean;
  timeout?: number;
}

/** `celeriac call`: send a task by name, print its id (or its result with --wait). */
export function registerCall(program: Command): void {
  withConnectionFlags(
    program
      .command('call <task>')
      .description('send a task by name and print its id; with --wait, print its result')
      .option('-a, --args <json>', 'positional arguments as a JSON array', jsonOf('array'), [])
      .option('-k, --kwargs <json>', 'keyword arguments as a JSON object', jsonOf('object'), {})
      .option('-Q, --queue <queue>', 'queue to send to', 'celery')
      .option('--countdown <seconds>', 'run no earlier than this many seconds from now', numberIn(0))
      .option('--eta <iso>', 'run no earlier than this time (ISO 8601)')
      .option('--expires <seconds>', 'discard the task if not started within this many seconds', numberIn(0))
      .option('--priority <n>', 'priority 0-9; on Redis 0 is served first', numberIn(0, 9, true))
      .option('--wait', 'wait for the result and print it as JSON')
      .option('--timeout <seconds>', 'with --wait, give up after this many seconds', numberIn(0)),
  ).action(async (task: string, flags: CallFlags) => {
    const app = await connectedApp(flags, { taskRecords: true });
    try {
      const result = await app.sendTask(task, flags.args, flags.kwargs, {
        queue: flags.queue,
        countdown: flags.countdown,
        eta: flags.eta,
        expires: flags.expires,
        priority: flags.priority,
      });
      if (!flags.wait) {
        process.stdout.write(`${result.id}\n`);
        return;
      }
      try {
        const value = await result.get({ timeout: flags.timeout === undefined ? undefined : flags.timeout * 1000 });
        process.stdout.write(`${JSON.stringify(value)}\n`);
      } catch (err) {
        if (err instanceof RemoteTaskError && err.traceback) process.stderr.write(`${err.traceback.trimEnd()}\n`);
        throw err;
      }
    } finally {
      await app.close();
    }
  });
}
