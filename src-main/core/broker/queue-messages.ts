/**
 * A queue's waiting messages as a reader sees them, in the order workers will take them:
 * priority step by step, and within a list from its consuming (right) end. Read only, and
 * bounded: a page reads only its own messages; a search reads at most `scanLimit` of them.
 */
import type { Redis } from 'ioredis';
import { PRIORITY_STEPS, queueListKeys } from '../keys.js';
import { peekTaskId } from '../protocol/decode.js';
import { describeMessage, type QueuedMessage } from './queued-message.js';
import { storedMessageMatch } from './queue-search.js';
import { scanQueue, type PriorityStep } from './queue-scan.js';

export type { QueuedMessage } from './queued-message.js';
export type { PriorityStep } from './queue-scan.js';

/** How many waiting messages one priority sub-list holds. */
export interface QueueStepCount {
  step: PriorityStep;
  count: number;
}

/** What a search read: the answer says it ("scanned N of M"), so nothing looks complete that is not. */
export interface QueueScan {
  /** Messages read, from the next to be taken on. */
  scanned: number;
  /** Messages the search ran over (the step's, with a step filter): `scanned < of` means it stopped at the limit. */
  of: number;
  /** The most messages one search reads. */
  limit: number;
  /** Messages among those read that the search matched. */
  matched: number;
}

/** A page of a queue's waiting messages. */
export interface QueuePage {
  /** Messages waiting in every priority sub-list of the queue. */
  total: number;
  /** Each sub-list's count, in the order workers take them (0 first). */
  steps: QueueStepCount[];
  /** The step filter applied, or null for every step. */
  priority: PriorityStep | null;
  /** How many messages the pages run over: the step's count, or the matches of a search, or `total`. */
  matching: number;
  messages: QueuedMessage[];
  /** For a search: what it read; null otherwise. */
  scan: QueueScan | null;
}

/** Narrows a page: one priority step, and a search (`name:x`, `id:x`, words over args and kwargs). */
export interface BrowseFilter {
  priority?: PriorityStep;
  search?: string;
  /** The most messages a search reads. @default DEFAULT_SCAN_LIMIT */
  scanLimit?: number;
}

/** The most messages a search reads, from the next to be taken on. */
export const DEFAULT_SCAN_LIMIT = 10_000;

/**
 * A page of a queue's waiting messages, `offset` counted from the next to be taken (among the
 * matches, with a filter).
 * @returns the counts per priority step, how many match, and the page
 * @throws QueueSearchError when the search does not parse
 */
export async function browseQueue(redis: Redis, queue: string, offset: number, limit: number, filter: BrowseFilter = {}): Promise<QueuePage> {
  const lists = queueListKeys(queue);
  const lengths = await Promise.all(lists.map((l) => redis.llen(l)));
  const total = lengths.reduce((a, b) => a + b, 0);
  const steps = PRIORITY_STEPS.map((step, i) => ({ step, count: lengths[i]! }));
  const priority = filter.priority ?? null;
  if (filter.search?.trim()) {
    const matches = storedMessageMatch(filter.search);
    const scanLimit = filter.scanLimit ?? DEFAULT_SCAN_LIMIT;
    const found: QueuedMessage[] = [];
    let matched = 0;
    const scanned = await scanQueue(redis, queue, { priority, limit: scanLimit, lengths }, (raw, at) => {
      if (!matches(raw)) return;
      if (matched >= offset && found.length < limit) found.push(describeMessage(raw, at.position, at.step));
      matched++;
    });
    const of = priority === null ? total : lengths[PRIORITY_STEPS.indexOf(priority)]!;
    return { total, steps, priority, matching: matched, messages: found, scan: { scanned, of, limit: scanLimit, matched } };
  }
  const messages: QueuedMessage[] = [];
  let base = 0; // position of the first message of the current list
  let skip = offset; // messages of the view still to pass before the page starts
  for (let i = 0; i < lists.length && messages.length < limit; i++) {
    const n = lengths[i]!;
    const step = PRIORITY_STEPS[i]!;
    if (priority === null || priority === step) {
      const from = Math.min(skip, n); // first wanted, in this list's order
      const to = Math.min(n, from + limit - messages.length); // one past the last wanted
      skip -= from;
      if (from < to) {
        // Consumption order runs from the right end: position p is index n - 1 - p.
        const raws = await redis.lrange(lists[i]!, n - to, n - 1 - from);
        raws.reverse().forEach((raw, j) => messages.push(describeMessage(raw, base + from + j, step)));
      }
    }
    base += n;
  }
  const matching = priority === null ? total : lengths[PRIORITY_STEPS.indexOf(priority)]!;
  return { total, steps, priority, matching, messages, scan: null };
}

/**
 * The message workers will take next from a queue (its oldest of the first non-empty priority
 * list). @returns null when the queue is empty; its id, or null when the message names none
 */
export async function nextMessage(redis: Redis, queue: string): Promise<{ id: string | null } | null> {
  for (const list of queueListKeys(queue)) {
    const raw = await redis.lindex(list, -1);
    if (raw !== null) return { id: peekTaskId(raw) };
  }
  return null;
}
