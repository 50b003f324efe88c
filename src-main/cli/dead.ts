import type { Command } from 'commander';
import { DeadLetters } from '../core/broker/dead-letters.js';
import { connectedApp, numberIn, withConnectionFlags, type ConnectionFlags } from './options.js';

interface ListFlags extends ConnectionFlags {
  limit: number;
  json?: boolean;
}

/** `celeriac dead list | requeue <n> | drop <n|all>`: the dead-letter list. */
export function registerDead(program: Command): void {
  const dead = program.command('dead').description('messages no worker could run, with the reason (newest is 0)');

  withConnectionFlags(
    dead
      .command('list')
      .description('list dead letters, newest first')
      .option('--limit <n>', 'how many', numberIn(1, 100_000, true), 50)
      .option('--json', 'one JSON object per line, raw message included'),
  ).action(async (flags: ListFlags) => {
    const app = await connectedApp(flags);
    try {
      const letters = new DeadLetters(app.broker);
      const [total, entries, dropped] = await Promise.all([letters.count(), letters.list(0, flags.limit), letters.dropped()]);
      if (flags.json) {
        for (const e of entries) process.stdout.write(`${JSON.stringify(e)}\n`);
        return;
      }
      if (total === 0) {
        process.stdout.write('No dead letters.\n');
        return;
      }
      for (const e of entries) {
        const when = e.time ? new Date(e.time * 1000).toISOString() : '?';
        const what = e.task ? `${e.task}[${e.id}]` : `${e.raw.slice(0, 60)}${e.raw.length > 60 ? '…' : ''}`;
        process.stdout.write(`${String(e.index).padStart(4)}  ${when}  ${e.queue || '-'}  ${e.reason}: ${e.detail}\n      ${what}\n`);
      }
      if (total > entries.length) process.stdout.write(`(${total - entries.length} more; --limit to see them)\n`);
      if (dropped > 0) process.stderr.write(`${dropped} older dead letter${dropped === 1 ? ' was' : 's were'} dropped when the list was full (it keeps the newest 10,000).\n`);
    } finally {
      await app.close();
    }
  });

  withConnectionFlags(dead.command('requeue <index>').description('put the message back on its queue')).action(
    async (index: string, flags: ConnectionFlags) => {
      const n = numberIn(0, Infinity, true)(index);
      const app = await connectedApp(flags);
      try {
        const e = await new DeadLetters(app.broker).requeue(n);
        process.stdout.write(`Requeued ${e.task ? `${e.task}[${e.id}]` : 'the message'} onto ${e.queue}.\n`);
      } finally {
        await app.close();
      }
    },
  );

  withConnectionFlags(dead.command('drop <index>').description('delete one dead letter, or "all"')).action(
    async (index: string, flags: ConnectionFlags) => {
      const app = await connectedApp(flags);
      try {
        const letters = new DeadLetters(app.broker);
        if (index === 'all') {
          const n = await letters.dropAll();
          process.stdout.write(`Dropped ${n} dead letter${n === 1 ? '' : 's'}.\n`);
        } else {
          await letters.drop(numberIn(0, Infinity, true)(index));
          process.stdout.write(`Dropped dead letter ${index}.\n`);
        }
      } finally {
        await app.close();
      }
    },
  );
}
