import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { CeleriacError } from '../core/errors.js';
import { PRIORITY_STEPS } from '../core/keys.js';
import { QueueMessageActions, type BulkOutcome, type MessageSelection } from '../core/broker/queue-message-actions.js';
import { browseQueue, type PriorityStep, type QueuedMessage } from '../core/broker/queue-messages.js';
import { connectedApp, numberIn, withConnectionFlags, type ConnectionFlags } from './options.js';

interface BrowseFlags extends ConnectionFlags {
  priority?: PriorityStep;
  search?: string;
  offset: number;
  limit: number;
  json?: boolean;
}

interface ActFlags extends ConnectionFlags {
  search?: string;
  force?: boolean;
}

/** The most messages one `delete` or `move` acts on. */
const MAX_ACTED = 1000;

/** `celeriac queue browse | delete | move`: a queue's waiting messages, and acting on those listed. */
export function registerQueue(program: Command): void {
  const queue = program.command('queue').description("a queue's waiting messages, in the order workers take them");

  withConnectionFlags(
    queue
      .command('browse <queue>')
      .description('list waiting messages decoded, each with the key delete and move take')
      .option('--priority <step>', `only one priority step (${PRIORITY_STEPS.join(', ')})`, priorityStep)
      .option('--search <words>', 'name:x, id:x, -name:x, words over args and kwargs')
      .option('--offset <n>', 'skip this many', numberIn(0, Infinity, true), 0)
      .option('--limit <n>', 'how many', numberIn(1, 500, true), 50)
      .option('--json', 'one JSON object per line'),
  ).action(async (name: string, flags: BrowseFlags) => {
    const app = await connectedApp(flags);
    try {
      const page = await browseQueue(app.broker, name, flags.offset, flags.limit, { priority: flags.priority, search: flags.search });
      if (flags.json) {
        for (const m of page.messages) process.stdout.write(`${JSON.stringify(m)}\n`);
        return;
      }
      for (const m of page.messages) process.stdout.write(line(m));
      const steps = page.steps.map((s) => `${s.step}: ${s.count}`).join(', ');
      process.stdout.write(`${page.total} waiting (by priority step ${steps})${page.matching !== page.total ? `, ${page.matching} shown by the filter` : ''}.\n`);
      if (page.scan && page.scan.scanned < page.scan.of) process.stdout.write(`The search read ${page.scan.scanned} of ${page.scan.of} messages (its limit).\n`);
    } finally {
      await app.close();
    }
  });

  withConnectionFlags(
    queue
      .command('delete <queue> [keys...]')
      .description('delete the messages of these keys (as browse listed them), or those --search matches')
      .option('--search <words>', 'delete what the search matches (asks first, unless -f)')
      .option('-f, --force', 'do not ask for confirmation'),
  ).action(async (name: string, keys: string[], flags: ActFlags) => {
    const selection = await selectionOf(keys, flags, `delete the messages of ${name} that match "${flags.search}"`);
    if (!selection) return;
    const app = await connectedApp(flags);
    try {
      report('Deleted', await new QueueMessageActions(app.broker).deleteMany(name, selection, MAX_ACTED));
    } finally {
      await app.close();
    }
  });

  withConnectionFlags(
    queue
      .command('move <queue> <to> [keys...]')
      .description('move the messages of these keys (as browse listed them), or those --search matches, to another queue')
      .option('--search <words>', 'move what the search matches (asks first, unless -f)')
      .option('-f, --force', 'do not ask for confirmation'),
  ).action(async (name: string, to: string, keys: string[], flags: ActFlags) => {
    const selection = await selectionOf(keys, flags, `move the messages of ${name} that match "${flags.search}" to ${to}`);
    if (!selection) return;
    const app = await connectedApp(flags);
    try {
      report(`Moved to ${to}`, await new QueueMessageActions(app.broker).moveMany(name, to, selection, MAX_ACTED));
    } finally {
      await app.close();
    }
  });
}

function priorityStep(text: string): PriorityStep {
  const n = Number(text);
  if (!(PRIORITY_STEPS as readonly number[]).includes(n)) throw new CeleriacError(`--priority is one of kombu's steps: ${PRIORITY_STEPS.join(', ')}`, 'E_BAD_OPTION');
  return n as PriorityStep;
}

function line(m: QueuedMessage): string {
  const what = m.task ? `${m.task}[${m.id}]` : '(undecodable)';
  const detail = m.problem ?? `${m.args} ${m.kwargs}${m.eta ? ` eta ${m.eta}` : ''}`;
  return `${String(m.position).padStart(5)}  p${m.priority}  ${m.key}  ${what}\n       ${detail.length > 200 ? `${detail.slice(0, 200)}…` : detail}\n`;
}

/** Keys, or a confirmed search; null when the user said no. */
async function selectionOf(keys: string[], flags: ActFlags, what: string): Promise<MessageSelection | null> {
  if ((keys.length > 0) === (flags.search !== undefined)) throw new CeleriacError('give the keys `celeriac queue browse` listed, or --search, one or the other', 'E_BAD_OPTION');
  if (keys.length > 0) {
    const bad = keys.find((k) => !/^[0-9a-f]{40}$/.test(k));
    if (bad) throw new CeleriacError(`"${bad}" is not a message key (40 hex digits, as \`celeriac queue browse\` lists them)`, 'E_BAD_OPTION');
    return { keys };
  }
  if (!flags.force) {
    if (!process.stdin.isTTY) throw new CeleriacError(`refusing to ${what} without confirmation; pass -f to do it non-interactively`, 'E_NOT_CONFIRMED');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`You're about to ${what} (at most ${MAX_ACTED}). Continue? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      process.stderr.write('Nothing done.\n');
      return null;
    }
  }
  return { search: flags.search! };
}

function report(done: string, outcome: BulkOutcome): void {
  process.stdout.write(`${done}: ${outcome.done}; no longer there as listed (taken by a worker or changed): ${outcome.changed}.\n`);
  if (outcome.scan && outcome.scan.scanned < outcome.scan.of) process.stdout.write(`The search read ${outcome.scan.scanned} of ${outcome.scan.of} messages (its limit).\n`);
  if (outcome.failed) {
    process.stdout.write(`Failed, left where they were: ${outcome.failed.count} (${outcome.failed.reason}).\n`);
    // A script that deletes or moves by search learns that some were not.
    process.exitCode = 1;
  }
  if (outcome.capped) process.stdout.write(`Stopped at ${MAX_ACTED}: run it again for the rest.\n`);
}
