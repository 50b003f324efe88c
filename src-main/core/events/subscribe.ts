/**
 * Receiving Celery's event stream as `celery events` and Flower do: one pattern subscription
 * to every event channel of a database, on a connection kept for it (its 'pmessage' events
 * then carry the envelopes envelope.ts decodes).
 */
import type { Redis } from 'ioredis';
import { eventPattern } from '../keys.js';

/**
 * Subscribes `sub` to every event of database `db`; subscribing again is one subscription.
 * @returns once Redis has confirmed it
 */
export function subscribeToEvents(sub: Redis, db: number): Promise<unknown> {
  return sub.psubscribe(eventPattern(db));
}
