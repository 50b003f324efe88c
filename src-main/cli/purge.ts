import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { CeleriacError } from '../core/errors.js';
import { commaList, connectedApp, withConnectionFlags, type ConnectionFlags } from './options.js';

interface PurgeFlags extends ConnectionFlags {
  queues: string[];
  force?: boolean;
}

/** `celeriac purge`: delete waiting messages, after a confirmation (or -f). */
export function registerPurge(program: Command): void {
  withConnectionFlags(
    program
      .command('purge')
      .description('delete all waiting messages of the queues (claimed ones are left alone)')
      .option('-Q, --queues <names>', 'comma-separated queues', commaList, ['celery'])
      .option('-f, --force', 'do not ask for confirmation'),
  ).action(async (flags: PurgeFlags) => {
    const names = flags.queues.join(', ');
    if (!flags.force) {
      if (!process.stdin.isTTY) {
        throw new CeleriacError(`refusing to purge ${names} without confirmation; pass -f to purge non-interactively`, 'E_NOT_CONFIRMED');
      }
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(`You're about to delete all waiting messages in: ${names}. Continue? [y/N] `);
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        process.stderr.write('Nothing purged.\n');
        return;
      }
    }
    const app = await connectedApp(flags);
    try {
      const counts = await app.purge(flags.queues);
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const qs = counts.size;
      process.stdout.write(`Purged ${total} message${total === 1 ? '' : 's'} from ${qs} known task queue${qs === 1 ? '' : 's'}.\n`);
    } finally {
      await app.close();
    }
  });
}
