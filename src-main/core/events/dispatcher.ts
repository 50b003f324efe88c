import type { Redis } from 'ioredis';
import { eventChannel } from '../keys.js';
import { encodeEvent, routingKeyOf, type CeleryEvent } from './envelope.js';

/** Task events sent together at most (Celery flushes its buffer at 24 too). */
const MAX_BUFFERED = 24;

/**
 * Publishes Celery events so `celery events`, Flower and the control room see this worker:
 * worker events at once, task events buffered per turn of the event loop and sent as one
 * `task.multi` list, as a Celery 5 worker does. Carries the Lamport clock.
 */
export class EventDispatcher {
  private clock = 0;
  private buffer: CeleryEvent[] = [];
  private readonly utcoffset = Math.floor(new Date().getTimezoneOffset() / 60); // hours west of UTC, as Python's time.timezone

  constructor(
    private readonly redis: Redis,
    private readonly db: number,
    readonly hostname: string,
    /** Whether task events are sent (`-E`); worker events always are. */
    public taskEvents: boolean,
  ) {}

  /** The Lamport clock now (`celery inspect clock`). */
  get clockValue(): number {
    return this.clock;
  }

  /** Sends a worker event (online, heartbeat, offline) now. */
  async sendWorkerEvent(type: string, fields: Record<string, unknown>): Promise<void> {
    const event = this.event(type, fields);
    await this.redis.publish(eventChannel(this.db, routingKeyOf(type)), encodeEvent(event, routingKeyOf(type), this.hostname));
  }

  /** Queues a task event (received, started, succeeded, failed, retried, revoked). */
  sendTaskEvent(type: string, uuid: string, fields: Record<string, unknown> = {}): void {
    if (!this.taskEvents) return;
    if (this.buffer.length === 0) setImmediate(() => this.flush());
    this.buffer.push(this.event(type, { uuid, ...fields }));
    if (this.buffer.length >= MAX_BUFFERED) this.flush();
  }

  /** Sends what is buffered. */
  flush(): void {
    if (this.buffer.length === 0) return;
    const events = this.buffer;
    this.buffer = [];
    this.redis.publish(eventChannel(this.db, 'task.multi'), encodeEvent(events, 'task.multi', this.hostname)).catch(() => undefined);
  }

  private event(type: string, fields: Record<string, unknown>): CeleryEvent {
    return { hostname: this.hostname, utcoffset: this.utcoffset, pid: process.pid, clock: ++this.clock, ...fields, timestamp: Date.now() / 1000, type };
  }
}
