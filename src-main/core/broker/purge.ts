import type { Redis } from 'ioredis';
import { PRIORITY_STEPS, queueListKeys } from '../keys.js';
import { execValues } from './exec-results.js';

/**
 * Deletes every waiting message of the queues (all priority lists) and says how many there
 * were, in one transaction so the count is exact. Claimed (unacked) messages are left alone,
 * as `celery purge` leaves them.
 * @returns the number of messages removed per queue
 */
export async function purgeQueues(redis: Redis, queues: readonly string[]): Promise<Map<string, number>> {
  const tx = redis.multi();
  for (const q of queues) for (const key of queueListKeys(q)) tx.llen(key);
  for (const q of queues) tx.del(...queueListKeys(q));
  const lengths = execValues(await tx.exec()).map(Number);
  const steps = PRIORITY_STEPS.length;
  return new Map(queues.map((q, i) => [q, sum(lengths.slice(i * steps, (i + 1) * steps))]));
}

/** How many messages wait in a queue, over all its priority lists. */
export async function queueLength(redis: Redis, queue: string): Promise<number> {
  const tx = redis.multi();
  for (const key of queueListKeys(queue)) tx.llen(key);
  return sum(execValues(await tx.exec()).map(Number));
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
