import type { Command } from 'commander';
import { CeleriacError } from '../core/errors.js';
import { commaList, connectedApp, numberIn, withConnectionFlags, type ConnectionFlags } from './options.js';

interface ControlFlags extends ConnectionFlags {
  destination?: string[];
  timeout: number;
  terminate?: boolean;
}

const INSPECT = ['ping', 'active', 'registered', 'stats', 'revoked', 'active_queues', 'reserved', 'scheduled'];

/** Prints each node's reply as `celery inspect` does, or fails when none replied. */
function printReplies(replies: Record<string, unknown>): void {
  const nodes = Object.keys(replies);
  if (nodes.length === 0) throw new CeleriacError('No nodes replied within time constraint.', 'E_NO_REPLY');
  for (const node of nodes) process.stdout.write(`-> ${node}: OK\n${JSON.stringify(replies[node], null, 2).replace(/^/gm, '    ')}\n`);
  process.stdout.write(`\n${nodes.length} node${nodes.length === 1 ? '' : 's'} online.\n`);
}

/** `celeriac inspect <what>` and `celeriac revoke <ids...>`: remote control of every worker, Python's too. */
export function registerInspect(program: Command): void {
  const withControlFlags = (cmd: Command): Command =>
    withConnectionFlags(
      cmd
        .option('-d, --destination <nodes>', 'comma-separated node names (default: all)', commaList)
        .option('-t, --timeout <seconds>', 'how long to wait for replies', numberIn(0.01, 600), 1),
    );

  withControlFlags(
    program.command('inspect <what>').description(`ask the workers: ${INSPECT.join(', ')}`),
  ).action(async (what: string, flags: ControlFlags) => {
    if (!INSPECT.includes(what)) throw new CeleriacError(`inspect ${what}: unknown; choose one of ${INSPECT.join(', ')}`, 'E_USAGE');
    const app = await connectedApp(flags);
    try {
      printReplies(await app.control.broadcast(what, {}, { destination: flags.destination, timeout: flags.timeout * 1000 }));
    } finally {
      await app.close();
    }
  });

  withControlFlags(
    program.command('revoke <ids...>').description('revoke tasks: workers discard them (--terminate: abort them if running)').option('--terminate', 'also abort them if running'),
  ).action(async (ids: string[], flags: ControlFlags) => {
    const app = await connectedApp(flags);
    try {
      const replies = await app.control.revoke(ids, { terminate: flags.terminate, destination: flags.destination, timeout: flags.timeout * 1000 });
      // Remembered in Redis either way: a worker started later still discards them.
      if (Object.keys(replies).length === 0) process.stdout.write('Revoked; no worker is running now, the ones that start will discard them.\n');
      else printReplies(replies);
    } finally {
      await app.close();
    }
  });
}
