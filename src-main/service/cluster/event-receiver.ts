/**
 * Celery's event stream, read as Flower reads it: `PSUBSCRIBE /<db>.celeryev/*` on a
 * connection of its own, each message decoded to its events (a `task.multi` list included).
 */
import type { Redis } from 'ioredis';
import { decodeEvents, type CeleryEvent } from '../../core/events/envelope.js';
import { eventPattern } from '../../core/keys.js';

/** An event message larger than this is dropped unread: Celery's are a few hundred bytes, a task.multi a few kB. */
const MAX_EVENT_BYTES = 1024 * 1024;

export class EventReceiver {
  private sub: Redis | null = null;

  constructor(
    private readonly open: () => Redis,
    private readonly db: number,
    private readonly onEvents: (events: CeleryEvent[]) => void,
  ) {}

  async start(): Promise<void> {
    const sub = this.open();
    sub.on('pmessage', (_pattern: string, _channel: string, message: string) => {
      if (message.length > MAX_EVENT_BYTES) return;
      const events = decodeEvents(message);
      if (events.length > 0) this.onEvents(events);
    });
    await sub.psubscribe(eventPattern(this.db));
    this.sub = sub;
  }

  stop(): void {
    this.sub?.disconnect();
    this.sub = null;
  }
}
