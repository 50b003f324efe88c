import type { Redis } from 'ioredis';
import { eventChannel } from '../keys.js';
import { encodeEventText, routingKeyOf, type CeleryEvent } from './envelope.js';

/** Where the dispatcher says that publishing failed and when it works again (the worker's pino logger fits). */
export interface DispatcherLog {
  warn(message: string): void;
  info(message: string): void;
}

export interface EventDispatcherOptions {
  /** Milliseconds a task event waits at most in the buffer before it is sent. @default DEFAULT_FLUSH_MS */
  flushMs?: number;
  /**
   * Task events buffered that are sent at once, as one `task.multi` message. Fewer, larger
   * messages cost the worker, Redis and every subscriber less; monitors read up to a thousand
   * events a message. @default DEFAULT_BUFFER_LIMIT
   */
  bufferLimit?: number;
  /** Told once when publishing fails, and once when it works again. */
  log?: DispatcherLog;
}

/**
 * Task events sent in one message at most. Each message costs the worker, Redis and every
 * subscriber a publish and a decode; past a few hundred events a message saves no more, and
 * its text gets costly to build (docs/performance.md has the measurements).
 */
export const DEFAULT_BUFFER_LIMIT = 256;
/**
 * Milliseconds a task event waits at most in the buffer. Short: a busy worker fills the buffer
 * long before (it is sent by bufferLimit then), and what a monitor shows waits for it at a
 * quiet one (the control room's state change → browser stays within its 100 ms).
 */
export const DEFAULT_FLUSH_MS = 25;
/**
 * Task events held for re-sending while publishing fails; past it the oldest are dropped and
 * counted. A worker cut off from Redis for long does not grow without bound.
 */
export const MAX_HELD_EVENTS = 10_000;

/**
 * Publishes Celery events so `celery events`, Flower and the control room see this worker:
 * worker events at once, task events buffered and sent as one `task.multi` list every
 * `flushMs` or `bufferLimit` events, as a Celery worker buffers them. A worker event first
 * sends what is buffered, so the stream stays in Lamport clock order and worker-offline comes
 * after the worker's last task events. A publish that fails keeps its events for the next
 * flush (up to MAX_HELD_EVENTS); it never throws out of a task's path.
 */
export class EventDispatcher {
  private clock = 0;
  /** Task events waiting to be sent, in clock order. */
  private buffer: CeleryEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly utcoffset = Math.floor(new Date().getTimezoneOffset() / 60); // hours west of UTC, as Python's time.timezone
  private readonly flushMs: number;
  private readonly bufferLimit: number;
  private readonly log: DispatcherLog | undefined;
  /** Publishing has failed and not worked since (the log said so once). */
  private failing = false;
  /** The worker is stopping: a failed publish is not tried again. */
  private closed = false;
  /** Task events dropped because publishing failed for longer than MAX_HELD_EVENTS could hold. */
  dropped = 0;
  /** Task-event messages whose publish failed (their events held for the next flush). */
  failedPublishes = 0;

  constructor(
    private readonly redis: Redis,
    private readonly db: number,
    readonly hostname: string,
    /** Whether task events are sent (`-E`); worker events always are. */
    public taskEvents: boolean,
    options: EventDispatcherOptions = {},
  ) {
    this.flushMs = options.flushMs ?? DEFAULT_FLUSH_MS;
    this.bufferLimit = Math.max(1, options.bufferLimit ?? DEFAULT_BUFFER_LIMIT);
    this.log = options.log;
  }

  /** The Lamport clock now (`celery inspect clock`). */
  get clockValue(): number {
    return this.clock;
  }

  /** Task events waiting to be sent (buffered, or held after a failed publish). */
  get pending(): number {
    return this.buffer.length;
  }

  /**
   * Sends a worker event (online, heartbeat, offline) now, after what is buffered.
   * @throws the publish's error (the heartbeat catches it)
   */
  async sendWorkerEvent(type: string, fields: Record<string, unknown>): Promise<void> {
    const sent = this.flush();
    const event = this.stamp({ ...fields }, type);
    // One connection sends commands in order: this publish leaves after the flush's.
    const published = this.redis.publish(eventChannel(this.db, routingKeyOf(type)), encodeEventText(JSON.stringify(event), routingKeyOf(type), this.hostname));
    await Promise.all([sent, published]);
  }

  /**
   * Queues a task event (received, started, succeeded, failed, retried, revoked).
   * @param fields the event's own fields, in an object made for it: the event is built in it
   *   (a busy worker sends three a task, and copying each into another object showed in its CPU)
   */
  sendTaskEvent(type: string, uuid: string, fields: Record<string, unknown> = {}): void {
    if (!this.taskEvents) return;
    fields.uuid = uuid;
    this.buffer.push(this.stamp(fields, type));
    if (this.buffer.length >= this.bufferLimit) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
  }

  /**
   * Sends what is buffered, `bufferLimit` events a message. Resolves once Redis has taken it,
   * or once a failure is counted and its events held for the next flush; never rejects.
   */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.buffer.length === 0) return Promise.resolve();
    const events = this.buffer;
    this.buffer = [];
    const sends: Promise<void>[] = [];
    for (let i = 0; i < events.length; i += this.bufferLimit) {
      const batch = i === 0 && events.length <= this.bufferLimit ? events : events.slice(i, i + this.bufferLimit);
      sends.push(this.publishBatch(batch));
    }
    return sends.length === 1 ? sends[0]! : Promise.all(sends).then(() => undefined);
  }

  /**
   * Sends what is buffered, as the worker stops (before its connection closes). A publish
   * failing now is not tried again: the log says how many events monitors will not see.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.buffer.length > 0) this.log?.warn(`[Events] ${this.buffer.length} task event(s) could not be published before the worker stopped`);
  }

  private async publishBatch(events: CeleryEvent[]): Promise<void> {
    try {
      // One JSON.stringify over the list: far cheaper an event than one for each.
      await this.redis.publish(eventChannel(this.db, 'task.multi'), encodeEventText(JSON.stringify(events), 'task.multi', this.hostname));
      if (this.failing) {
        this.failing = false;
        this.log?.info(`[Events] task events are published again${this.dropped > 0 ? ` (${this.dropped} dropped while publishing failed)` : ''}`);
      }
    } catch (err) {
      this.failedPublishes++;
      this.hold(events);
      if (!this.failing) {
        this.failing = true;
        this.log?.warn(`[Events] publishing task events failed (${(err as Error).message}): holding up to ${MAX_HELD_EVENTS} for the next flush; monitors see them late`);
      }
      if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
    }
  }

  /**
   * Puts events whose publish failed back among those waiting, in clock order (messages sent
   * together may fail in any order), dropping the oldest past the bound.
   */
  private hold(events: CeleryEvent[]): void {
    const all = events.concat(this.buffer).sort((a, b) => a.clock - b.clock);
    const over = all.length - MAX_HELD_EVENTS;
    if (over > 0) this.dropped += over;
    this.buffer = over > 0 ? all.slice(over) : all;
  }

  /** Makes `fields` an event: the common fields, the clock ticked, the timestamp and type. */
  private stamp(fields: Record<string, unknown>, type: string): CeleryEvent {
    const event = fields as CeleryEvent;
    event.hostname = this.hostname;
    event.utcoffset = this.utcoffset;
    event.pid = process.pid;
    event.clock = ++this.clock;
    event.timestamp = Date.now() / 1000;
    event.type = type;
    return event;
  }
}
