import type { Command } from 'commander';
import { formatWorkflow, readWorkflow } from '../core/canvas/workflow.js';
import { connectedApp, numberIn, withConnectionFlags, type ConnectionFlags } from './options.js';

interface ResultFlags extends ConnectionFlags {
  wait?: boolean;
  timeout?: number;
  tree?: boolean;
}

/** `celeriac result`: print a task's stored meta (PENDING for an unknown id). */
export function registerResult(program: Command): void {
  withConnectionFlags(
    program
      .command('result <id>')
      .description("print a task's state and result as Celery stores them (JSON)")
      .option('--wait', 'wait until the task succeeds, fails or is revoked')
      .option('--timeout <seconds>', 'with --wait, give up after this many seconds', numberIn(0))
      .option('--tree', "print its workflow instead: root, chain steps, groups and chords, each with its state"),
  ).action(async (id: string, flags: ResultFlags) => {
    const app = await connectedApp(flags);
    try {
      if (flags.tree) {
        process.stdout.write(`${formatWorkflow(await readWorkflow(app.backend, id, app.records), id)}\n`);
        return;
      }
      const result = app.asyncResult(id);
      const meta = flags.wait
        ? await app.backend.waitFor(id, flags.timeout === undefined ? undefined : flags.timeout * 1000)
        : await result.info();
      process.stdout.write(`${JSON.stringify(meta, null, 2)}\n`);
    } finally {
      await app.close();
    }
  });
}
