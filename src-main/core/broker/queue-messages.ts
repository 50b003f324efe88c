/**
 * A queue's waiting messages as a reader sees them, in the order workers will take them:
 * priority step by step, and within a list from its consuming (right) end. Read only.
 */
import type { Redis } from 'ioredis';
import { queueListKeys } from '../keys.js';
import { decodeTaskMessage, peekTaskId } from '../protocol/decode.js';

/** One waiting message, decoded. */
export interface QueuedMessage {
  /** Place in the queue: 0 is the next to be taken. */
  position: number;
  id: string | null;
  task: string | null;
  argsrepr: string;
  kwargsrepr: string;
  priority: number;
  eta: string | null;
  retries: number;
  origin: string;
  /** Why the message cannot be decoded (a worker will dead-letter it), or null. */
  problem: string | null;
}

/**
 * A page of a queue's waiting messages, `offset` counted from the next to be taken.
 * @returns how many wait in all, and the page
 */
export async function browseQueue(redis: Redis, queue: string, offset: number, limit: number): Promise<{ total: number; messages: QueuedMessage[] }> {
  const lists = queueListKeys(queue);
  const lengths = await Promise.all(lists.map((l) => redis.llen(l)));
  const total = lengths.reduce((a, b) => a + b, 0);
  const messages: QueuedMessage[] = [];
  let base = 0; // position of the first message of the current list
  for (let i = 0; i < lists.length && messages.length < limit; i++) {
    const n = lengths[i]!;
    const from = Math.max(offset + messages.length, base) - base; // first wanted, in this list's order
    const to = Math.min(n, offset + limit - base); // one past the last wanted
    if (from < to) {
      // Consumption order runs from the right end: position p is index n - 1 - p.
      const raws = await redis.lrange(lists[i]!, n - to, n - 1 - from);
      raws.reverse().forEach((raw, j) => messages.push(describe(raw, base + from + j)));
    }
    base += n;
  }
  return { total, messages };
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

function describe(raw: string, position: number): QueuedMessage {
  const r = decodeTaskMessage(raw);
  if (!r.ok) return { position, id: null, task: null, argsrepr: '', kwargsrepr: '', priority: 0, eta: null, retries: 0, origin: '', problem: `${r.error.reason}: ${r.error.message}` };
  const m = r.message;
  return { position, id: m.id, task: m.task, argsrepr: m.argsrepr, kwargsrepr: m.kwargsrepr, priority: m.priority, eta: m.eta, retries: m.retries, origin: m.origin, problem: null };
}
