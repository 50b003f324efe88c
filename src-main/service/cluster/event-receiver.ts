/**
 * Celery's event stream, read as Flower reads it: `PSUBSCRIBE /<db>.celeryev/*` on a
 * connection of its own, each message decoded to its events (a `task.multi` list included).
 * The control room reads it on a thread of its own (event-reader-thread.ts), so that Redis
 * does not drop a room whose main thread is busy.
 *
 * An event message of any size up to MAX_EVENT_MESSAGE_LENGTH is read, and its events held to
 * the bounds of event-limits.ts (large fields cut and marked), so a task whose failure carried
 * megabytes of message still ends FAILURE. Above it the message is dropped, counted and logged
 * once: Redis's default pub/sub output buffer limit (32 MB) would drop the subscriber before a
 * much larger one arrived, and decoding one blocks the event loop for as long as it is long.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { decodeEvents, type CeleryEvent } from '../../core/events/envelope.js';
import { onResubscribed, subscribeToEvents } from '../../core/events/subscribe.js';
import { DropCounter, type Log } from './drop-counter.js';
import { limitEvents, MAX_EVENT_DEPTH, MAX_EVENT_FIELDS, MAX_EVENTS_PER_MESSAGE } from './event-limits.js';
import type { EventReaderData, EventReaderMessage } from './event-reader-thread.js';

/** An event message longer than this (characters of its envelope, base64: about its bytes) is dropped unread. */
export const MAX_EVENT_MESSAGE_LENGTH = 16 * 1024 * 1024;
/**
 * Characters of event messages the reading thread holds at most while the room is busy: more
 * than Redis's own pub/sub limit (32 MB), past which it would have dropped the subscriber.
 */
export const MAX_HELD_CHARS = 64 * 1024 * 1024;

/** Where the subscription is read on a thread of its own (@see event-reader-thread.ts). */
export interface ReadingThread {
  url: string;
  redisOptions: RedisOptions;
  /** @default MAX_HELD_CHARS */
  maxHeldChars?: number;
}

/**
 * The reading thread: compiled, or the source through tsx's `tsImport` (tests, tsx; a thread
 * does not take `--import tsx` from its options).
 */
function startReaderThread(data: EventReaderData): Worker {
  const js = new URL('./event-reader-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: data });
  const ts = new URL('./event-reader-thread.ts', import.meta.url).href;
  const api = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  return new Worker(`import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(ts)}, ${JSON.stringify(ts)}))`, { eval: true, workerData: data });
}

export class EventReceiver {
  private sub: Redis | null = null;
  private thread: Worker | null = null;
  /** Messages dropped and events cut, by reason. */
  readonly drops: DropCounter;

  constructor(
    private readonly open: () => Redis,
    private readonly db: number,
    private readonly onEvents: (events: CeleryEvent[]) => void,
    log?: Log,
    /** Read the subscription on a thread of its own, connected with these; absent: here, on `open()`'s connection. */
    private readonly reading?: ReadingThread,
  ) {
    this.drops = new DropCounter('EventReceiver', log);
    this.log = log ?? ((line) => console.warn(line));
  }

  private readonly log: Log;

  async start(): Promise<void> {
    this.stopped = false;
    if (this.reading) {
      try {
        return await this.startThread(this.reading);
      } catch (err) {
        // A thread that cannot start (a platform without it for this file) leaves the reading here, as before.
        this.thread?.terminate().catch(() => undefined);
        this.thread = null;
        this.log(`[EventReceiver] the event stream is read on the main thread: its reading thread could not start (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    const sub = this.open();
    sub.on('pmessage', (_pattern: string, channel: string, message: string) => this.receive(channel, message));
    await subscribeToEvents(sub, this.db);
    this.sub = sub;
    onResubscribed(sub, this.db, () => this.onGap('the event subscription dropped'));
  }

  /**
   * Reads on a thread of its own; each batch it hands over is received here, then more is
   * asked for. A thread that ends before it is stopped (it cannot connect: a bad option; it
   * crashed) is started again after a second, and the gap told.
   */
  private startThread(reading: ReadingThread): Promise<void> {
    const thread = startReaderThread({ url: reading.url, redisOptions: reading.redisOptions, db: this.db, maxHeldChars: reading.maxHeldChars ?? MAX_HELD_CHARS });
    this.thread = thread;
    return new Promise((resolve, reject) => {
      let started = false;
      thread.on('message', (m: EventReaderMessage) => {
        if (m.type === 'subscribed') {
          started = true;
          resolve();
        } else if (m.type === 'failed') {
          reject(new Error(`could not subscribe to the event stream: ${m.message}`));
        } else if (m.type === 'gap') {
          this.onGap(m.why);
        } else {
          try {
            for (let i = 0; i + 1 < m.items.length; i += 2) this.receive(m.items[i]!, m.items[i + 1]!);
            if (m.dropped > 0) {
              this.drops.count('room-behind', `the control room fell behind the event stream: ${m.dropped} event messages were dropped`, m.dropped);
              this.onGap('the control room fell behind the event stream');
            }
          } finally {
            thread.postMessage('more');
          }
        }
      });
      thread.on('error', (err) => {
        if (!started) reject(err);
        else this.drops.count('reader-failed', `the event stream's reading thread failed: ${err.message}`);
      });
      thread.on('exit', () => {
        if (this.thread !== thread) return;
        this.thread = null;
        if (!started) return reject(new Error('the event stream reading thread ended before it subscribed'));
        const again = setTimeout(() => {
          if (this.stopped) return;
          this.startThread(reading).then(() => this.onGap('the event stream reading thread started again'), () => undefined);
        }, 1000);
        again.unref();
      });
    });
  }

  private stopped = false;

  /** Told when the subscription dropped and is back: what was published meanwhile is gone. */
  onGap: (why: string) => void = () => undefined;

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
    this.stopped = true;
    this.sub?.disconnect();
    this.sub = null;
    const thread = this.thread;
    this.thread = null;
    if (thread) {
      thread.postMessage('stop');
      // It ends once its connection is closed; a thread that does not is ended.
      setTimeout(() => void thread.terminate(), 1000).unref();
    }
  }
}
