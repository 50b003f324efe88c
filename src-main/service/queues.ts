import type { Redis } from 'ioredis';
import { purgeQueues } from '../core/broker/purge.js';
import { BINDING_PREFIX, DEFAULT_QUEUE, PAUSED_QUEUES, PRIORITY_STEPS, queueListKey, REPLY_EXCHANGE, SEP, EVENT_EXCHANGE } from '../core/keys.js';
import { decodeTaskMessage } from '../core/protocol/decode.js';

/** A queue as the control room lists it. */
export interface QueueInfo {
  name: string;
  /** Messages waiting, over all priority lists. */
  depth: number;
  /** Waiting messages per kombu priority step (0 is served first). */
  byPriority: Record<string, number>;
  /** Paused from the control room: no Celeriac worker consumes it, the Python ones were told to stop. */
  paused: boolean;
}

/** One waiting message, decoded for display. */
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

/** Exchanges that are Celery's plumbing, not task queues. */
const INTERNAL_EXCHANGES = new Set([`${BINDING_PREFIX}${REPLY_EXCHANGE}`, `${BINDING_PREFIX}celery.pidbox`, `${BINDING_PREFIX}${EVENT_EXCHANGE}`]);

/**
 * Every task queue on the Redis, including queues only Python producers declared: kombu's
 * binding sets name them (kombu's transport/redis.py, `_kombu.binding.*`). Celery's default
 * queue is always listed.
 */
export async function listQueues(redis: Redis): Promise<QueueInfo[]> {
  const names = new Set<string>([DEFAULT_QUEUE]);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${BINDING_PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    const bindings = keys.filter((k) => !INTERNAL_EXCHANGES.has(k));
    const members = await Promise.all(bindings.map((k) => redis.smembers(k)));
    for (const m of members.flat()) {
      const queue = m.split(SEP)[2];
      if (queue) names.add(queue);
    }
  } while (cursor !== '0');
  const sorted = [...names].sort();
  const pipeline = redis.pipeline();
  for (const q of sorted) for (const step of PRIORITY_STEPS) pipeline.llen(queueListKey(q, step));
  pipeline.smembers(PAUSED_QUEUES);
  const results = (await pipeline.exec()) ?? [];
  const paused = new Set((results.pop()?.[1] as string[] | undefined) ?? []);
  const lengths = results.map(([err, n]) => (err ? 0 : Number(n)));
  return sorted.map((name, i) => {
    const byPriority: Record<string, number> = {};
    PRIORITY_STEPS.forEach((step, j) => (byPriority[step] = lengths[i * PRIORITY_STEPS.length + j]!));
    return { name, depth: Object.values(byPriority).reduce((a, b) => a + b, 0), byPriority, paused: paused.has(name) };
  });
}

/**
 * A page of a queue's waiting messages in the order workers will take them: priority step by
 * step, and within a list from its consuming (right) end.
 */
export async function browseQueue(redis: Redis, queue: string, offset: number, limit: number): Promise<{ total: number; messages: QueuedMessage[] }> {
  const lists = PRIORITY_STEPS.map((step) => queueListKey(queue, step));
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

/** Deletes a queue's waiting messages. @returns how many */
export async function purgeQueue(redis: Redis, queue: string): Promise<number> {
  return (await purgeQueues(redis, [queue])).get(queue) ?? 0;
}

function describe(raw: string, position: number): QueuedMessage {
  const r = decodeTaskMessage(raw);
  if (!r.ok) return { position, id: null, task: null, argsrepr: '', kwargsrepr: '', priority: 0, eta: null, retries: 0, origin: '', problem: `${r.error.reason}: ${r.error.message}` };
  const m = r.message;
  return { position, id: m.id, task: m.task, argsrepr: m.argsrepr, kwargsrepr: m.kwargsrepr, priority: m.priority, eta: m.eta, retries: m.retries, origin: m.origin, problem: null };
}
