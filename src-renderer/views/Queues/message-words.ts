/** What the queue browser says of messages and of what its actions did. */
import { MESSAGE_SELECTION_LIMIT, type BulkOutcome, type QueuedMessageView } from '../../api/contract.js';

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

/** What a bulk action did: how many, how many it left because they changed since shown, and how many failed. */
export function outcomeSaid(verb: 'Deleted' | 'Moved', o: BulkOutcome, to?: string): string {
  const done = `${verb} ${messages(o.done)}${to ? ` to ${to}` : ''}.`;
  const changed = o.changed > 0 ? ` ${o.changed.toLocaleString()} ${o.changed === 1 ? 'was' : 'were'} taken or changed since you looked, and left alone.` : '';
  // Capped, the search stopped at the cap, not at its read limit: what it read says nothing more.
  const scan = !o.capped && o.scan && o.scan.scanned < o.scan.of ? ` The search read the first ${o.scan.scanned.toLocaleString()} of ${o.scan.of.toLocaleString()}.` : '';
  const capped = o.capped ? ` Stopped at ${MESSAGE_SELECTION_LIMIT.toLocaleString()}: run it again for the rest.` : '';
  const failed = o.failed ? ` ${messages(o.failed.count)} could not be ${verb.toLowerCase()} and ${o.failed.count === 1 ? 'was' : 'were'} left where ${o.failed.count === 1 ? 'it was' : 'they were'}: ${o.failed.reason}.` : '';
  return done + changed + failed + scan + capped;
}

/**
 * What confirming a search's bulk action reaches: the server takes at most
 * MESSAGE_SELECTION_LIMIT messages per call, the first ones that match, and stops there.
 */
export function reachSaid(verb: 'deleted' | 'moved', matching: number): string {
  const reach = Math.min(matching, MESSAGE_SELECTION_LIMIT);
  const rest = matching > MESSAGE_SELECTION_LIMIT ? '; run it again for the rest' : '';
  return `At most ${MESSAGE_SELECTION_LIMIT.toLocaleString()} per action: up to ${messages(reach)} will be ${verb}${rest}.`;
}

/** The confirm button of a search's bulk action: "Delete all matching", or "Delete the first 1,000" past the limit. */
export function reachAction(verb: 'Delete' | 'Move', matching: number): string {
  return matching > MESSAGE_SELECTION_LIMIT ? `${verb} the first ${MESSAGE_SELECTION_LIMIT.toLocaleString()}` : `${verb} all matching`;
}

/** Why the actions are off in a read-only room. */
export const READ_ONLY_QUEUES = 'Read-only room (celeriac serve --read-only): messages can be browsed, not deleted, moved or run now.';
