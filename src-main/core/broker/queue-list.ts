/**
 * The queues on a Redis as a reader sees them: every task queue kombu's binding sets name
 * (Python producers' included), each with its waiting messages per priority list and whether
 * it is paused. Read only; deleting a queue's messages is purge.ts.
 */
import type { Redis } from 'ioredis';
import { BINDING_PREFIX, DEFAULT_QUEUE, EVENT_EXCHANGE, PAUSED_QUEUES, PRIORITY_STEPS, queueListKey, REPLY_EXCHANGE, SEP } from '../keys.js';

/** A queue and what waits in it. */
export interface QueueInfo {
  name: string;
  /** Messages waiting, over all priority lists. */
  depth: number;
  /** Waiting messages per kombu priority step (0 is served first). */
  byPriority: Record<string, number>;
  /** Paused (paused-queues.ts): no Celeriac worker consumes it, the Python ones were told to stop. */
  paused: boolean;
}

/** Exchanges that are Celery's plumbing, not task queues. */
const INTERNAL_EXCHANGES = new Set([`${BINDING_PREFIX}${REPLY_EXCHANGE}`, `${BINDING_PREFIX}celery.pidbox`, `${BINDING_PREFIX}${EVENT_EXCHANGE}`]);

/**
 * Every task queue on the Redis, including queues only Python producers declared: kombu's
 * binding sets name them (kombu's transport/redis.py, `_kombu.binding.*`). Celery's default
 * queue is always listed. @returns the queues sorted by name
 */
export async function listQueues(redis: Redis): Promise<QueueInfo[]> {
  const sorted = [...(await boundQueues(redis))].sort();
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

/** The queues named by the binding sets of task exchanges, and Celery's default queue. */
async function boundQueues(redis: Redis): Promise<Set<string>> {
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
  return names;
}
