/**
 * Reads a queue's waiting messages in the order workers take them (priority step 0 first, each
 * list from its consuming, right, end), a chunk at a time and at most `limit` of them: what a
 * search and the actions' look-up of a shown message go through, so neither reads a long queue
 * whole.
 */
import type { Redis } from 'ioredis';
import { PRIORITY_STEPS, queueListKey } from '../keys.js';

/** One of kombu's priority steps: the sub-list a message waits in. */
export type PriorityStep = (typeof PRIORITY_STEPS)[number];

/** Where a scanned message is. */
export interface ScanPlace {
  /** Place in the whole queue: 0 is the next to be taken. */
  position: number;
  step: PriorityStep;
  /** The list it is on. */
  list: string;
}

export interface ScanOptions {
  /** Only this step's list; null for every step. */
  priority: PriorityStep | null;
  /** The most messages read. */
  limit: number;
  /** Each step's length, when the caller read them already (positions count from them). */
  lengths?: number[];
}

/** Messages read per LRANGE. */
const CHUNK = 500;

/**
 * Calls `visit` for each message, in consumption order, until it returns `false` or `limit`
 * messages were read. A list that changes meanwhile may show a message twice or skip one: the
 * actions compare before they act, so a scan only finds candidates.
 * @returns how many messages were read
 */
export async function scanQueue(redis: Redis, queue: string, options: ScanOptions, visit: (raw: string, at: ScanPlace) => boolean | void): Promise<number> {
  const lists = PRIORITY_STEPS.map((step) => queueListKey(queue, step));
  const lengths = options.lengths ?? (await Promise.all(lists.map((l) => redis.llen(l))));
  let read = 0;
  let base = 0;
  for (let i = 0; i < lists.length; i++) {
    const n = lengths[i]!;
    const step = PRIORITY_STEPS[i]!;
    if (options.priority === null || options.priority === step) {
      for (let from = 0; from < n && read < options.limit; from += CHUNK) {
        const to = Math.min(n, from + CHUNK, from + options.limit - read);
        // Counted from the right end: messages sent meanwhile (LPUSH, at the left) move nothing read.
        const raws = (await redis.lrange(lists[i]!, -to, -1 - from)).reverse();
        for (let j = 0; j < raws.length; j++) {
          read++;
          if (visit(raws[j]!, { position: base + from + j, step, list: lists[i]! }) === false) return read;
        }
        if (raws.length < to - from) break; // the list shrank meanwhile
      }
    }
    base += n;
  }
  return read;
}
