/** What the queue browser says of messages and of what its actions did. */
import type { BulkOutcome, QueuedMessageView } from '../../api/contract.js';

/** "1 message", "3 messages". */
export function messages(n: number): string {
  return `${n.toLocaleString()} message${n === 1 ? '' : 's'}`;
}

/** The tasks among some messages, most frequent first: "tasks.add ×2, tasks.mul". */
export function taskNames(shown: readonly QueuedMessageView[]): string {
  const counts = new Map<string, number>();
  for (const m of shown) counts.set(m.task ?? '(not decoded)', (counts.get(m.task ?? '(not decoded)') ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const said = sorted.slice(0, 4).map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ');
  return sorted.length > 4 ? `${said} and ${sorted.length - 4} more` : said;
}

/** What a bulk action did: how many, and how many it left because they changed since shown. */
export function outcomeSaid(verb: 'Deleted' | 'Moved', o: BulkOutcome, to?: string): string {
  const done = `${verb} ${messages(o.done)}${to ? ` to ${to}` : ''}.`;
  const changed = o.changed > 0 ? ` ${o.changed.toLocaleString()} ${o.changed === 1 ? 'was' : 'were'} taken or changed since you looked, and left alone.` : '';
  const scan = o.scan && o.scan.scanned < o.scan.of ? ` The search read the first ${o.scan.scanned.toLocaleString()} of ${o.scan.of.toLocaleString()}.` : '';
  return done + changed + scan;
}

/** Why the actions are off in a read-only room. */
export const READ_ONLY_QUEUES = 'Read-only room (celeriac serve --read-only): messages can be browsed, not deleted, moved or run now.';
