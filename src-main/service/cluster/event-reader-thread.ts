/**
 * The event subscription's reading, on a thread of its own: it reads the socket as fast as
 * Redis sends, whatever the control room's main thread is doing (a history write of a few
 * hundred milliseconds under a flood), and holds what it read until the main thread asks for
 * more. Redis closes a subscriber that falls 32 MB behind (its pub/sub output buffer limit) and
 * every event in flight is lost uncounted; held here, the backlog is the room's, bounded by
 * `maxHeldChars`: past it the messages are dropped and counted, and the gap is backfilled.
 *
 * Talks to its parent in messages (@see EventReaderMessage): `more` when the parent has handed
 * the last batch over, `stop` to end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RedisOptions } from 'ioredis';
import { openRedis } from '../../core/broker/connection.js';
import { onResubscribed, subscribeToEvents } from '../../core/events/subscribe.js';

export interface EventReaderData {
  url: string;
  redisOptions: RedisOptions;
  db: number;
  /** Characters of messages held at most while the parent has not asked for more. */
  maxHeldChars: number;
}

/** What the thread tells its parent. */
export type EventReaderMessage =
  | { type: 'subscribed' }
  | { type: 'failed'; message: string }
  /** Channels and messages, alternating, in the order read; and how many were dropped since the last batch. */
  | { type: 'batch'; items: string[]; dropped: number }
  /** The subscription dropped and is back: what was published meanwhile is gone. */
  | { type: 'gap'; why: string };

const port = parentPort!;
const { url, redisOptions, db, maxHeldChars } = workerData as EventReaderData;
const post = (m: EventReaderMessage): void => port.postMessage(m);

let items: string[] = [];
let heldChars = 0;
let dropped = 0;
/** Whether the parent has asked for more since the last batch. */
let asked = true;
let scheduled = false;

/** Hands over what is held, once this turn's reads are in (one batch, not one message each). */
function schedule(): void {
  if (scheduled || !asked) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    if (!asked || (items.length === 0 && dropped === 0)) return;
    asked = false;
    post({ type: 'batch', items, dropped });
    items = [];
    heldChars = 0;
    dropped = 0;
  });
}

const sub = openRedis(url, redisOptions);
sub.on('pmessage', (_pattern: string, channel: string, message: string) => {
  const chars = channel.length + message.length;
  if (heldChars + chars > maxHeldChars) {
    dropped++;
  } else {
    items.push(channel, message);
    heldChars += chars;
  }
  schedule();
});

port.on('message', (m: 'more' | 'stop') => {
  if (m === 'more') {
    asked = true;
    schedule();
  } else {
    sub.disconnect();
    port.close();
  }
});

subscribeToEvents(sub, db).then(
  () => {
    onResubscribed(sub, db, () => post({ type: 'gap', why: 'the event subscription dropped' }));
    post({ type: 'subscribed' });
  },
  (err: unknown) => post({ type: 'failed', message: err instanceof Error ? err.message : String(err) }),
);
