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

/**
 * Tells `onGap` each time `sub`'s subscription dropped and is back: Redis closed it (its pub/sub
 * output buffer limit, a restart, a failover) and ioredis connected again and subscribed anew;
 * what was published meanwhile is gone. Call it once `sub` is subscribed.
 */
export function onResubscribed(sub: Redis, db: number, onGap: () => void): void {
  let dropped = false;
  sub.on('close', () => {
    dropped = true;
  });
  sub.on('ready', () => {
    if (!dropped) return;
    dropped = false;
    // Subscribing twice to one pattern is one subscription: this answers once ioredis's own
    // resubscription is in place.
    subscribeToEvents(sub, db).then(onGap, () => undefined); // closed again: its next 'ready' tells
  });
}
