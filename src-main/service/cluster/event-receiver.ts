/**
 * Celery's event stream, read as Flower reads it: `PSUBSCRIBE /<db>.celeryev/*` on a
 * connection of its own, each message decoded to its events (a `task.multi` list included).
 *
 * An event message of any size up to MAX_EVENT_MESSAGE_LENGTH is read, and its events held to
 * the bounds of event-limits.ts (large fields cut and marked), so a task whose failure carried
 * megabytes of message still ends FAILURE. Above it the message is dropped, counted and logged
 * once: Redis's default pub/sub output buffer limit (32 MB) would drop the subscriber before a
 * much larger one arrived, and decoding one blocks the event loop for as long as it is long.
 */
import type { Redis } from 'ioredis';
import { decodeEvents, type CeleryEvent } from '../../core/events/envelope.js';
import { subscribeToEvents } from '../../core/events/subscribe.js';
import { DropCounter, type Log } from './drop-counter.js';
import { limitEvents, MAX_EVENT_DEPTH, MAX_EVENT_FIELDS, MAX_EVENTS_PER_MESSAGE } from './event-limits.js';

/** An event message longer than this (characters of its envelope, base64: about its bytes) is dropped unread. */
export const MAX_EVENT_MESSAGE_LENGTH = 16 * 1024 * 1024;

export class EventReceiver {
  private sub: Redis | null = null;
  /** Messages dropped and events cut, by reason. */
  readonly drops: DropCounter;

  constructor(
    private readonly open: () => Redis,
    private readonly db: number,
    private readonly onEvents: (events: CeleryEvent[]) => void,
    log?: Log,
  ) {
    this.drops = new DropCounter('EventReceiver', log);
  }

  async start(): Promise<void> {
    const sub = this.open();
    sub.on('pmessage', (_pattern: string, channel: string, message: string) => this.receive(channel, message));
    await subscribeToEvents(sub, this.db);
    this.sub = sub;
    this.followDrops(sub);
  }

  /** Told when the subscription dropped and is back: what was published meanwhile is gone. */
  onGap: (why: string) => void = () => undefined;

  /**
   * Redis closes a subscriber that falls behind (its pub/sub output buffer limit) or restarts;
   * ioredis connects again and subscribes anew. Once subscribed again, the gap is told.
   */
  private followDrops(sub: Redis): void {
    let dropped = false;
    sub.on('close', () => {
      dropped = this.sub === sub;
    });
    sub.on('ready', () => {
      if (!dropped || this.sub !== sub) return;
      dropped = false;
      // Subscribing twice to one pattern is one subscription: this answers once ioredis's own
      // resubscription is in place.
      subscribeToEvents(sub, this.db).then(
        () => this.onGap('the event subscription dropped'),
        () => undefined, // closed again: its next 'ready' tells
      );
    });
  }

  /** One message of the event channel, decoded, bounded and handed over. */
  receive(channel: string, message: string): void {
    if (message.length > MAX_EVENT_MESSAGE_LENGTH) {
      this.drops.count('too-large', `an event message on ${channel.slice(0, 200)} of ${message.length} characters is over ${MAX_EVENT_MESSAGE_LENGTH} and was dropped`);
      return;
    }
    const limited = limitEvents(decodeEvents(message));
    if (limited.dropped > 0) this.drops.count('too-many-events', `an event message on ${channel.slice(0, 200)} held over ${MAX_EVENTS_PER_MESSAGE} events: the rest were dropped`, limited.dropped);
    const { fields, depth, text } = limited.cut;
    if (fields > 0) this.drops.count('too-many-fields', `an event with over ${MAX_EVENT_FIELDS} fields was kept without the rest`, fields);
    if (depth > 0) this.drops.count('too-deep', `an event field nested over ${MAX_EVENT_DEPTH} levels deep (or too big) was replaced by a mark`, depth);
    if (text > 0) this.drops.count('text-cut', 'an event with a large text field (result, exception, traceback, arguments) was kept with the field cut and marked', text);
    if (limited.events.length > 0) this.onEvents(limited.events);
  }

  stop(): void {
    this.sub?.disconnect();
    this.sub = null;
  }
}
