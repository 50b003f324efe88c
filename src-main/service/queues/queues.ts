/**
 * The Queues view's back end: the queues and their messages are read by core's read models
 * (core/broker/queue-list.ts, queue-messages.ts); purging is core's purge.
 */
import type { Redis } from 'ioredis';
import { purgeQueues } from '../../core/broker/purge.js';

/** Deletes a queue's waiting messages. @returns how many */
export async function purgeQueue(redis: Redis, queue: string): Promise<number> {
  return (await purgeQueues(redis, [queue])).get(queue) ?? 0;
}
