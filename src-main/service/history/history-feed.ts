/**
 * Keeps one connection's history current: the event stream's task events written every
 * 100 ms in one transaction (a task's events of a burst folded into one write), the stored
 * results read back once when it connects (what happened while the control room was away),
 * and the retention applied hourly. What changed is told to `onChanged`, for the lists on view.
 */
import type { Redis } from 'ioredis';
import type { CeleryEvent } from '../../core/events/envelope.js';
import { backfill } from './backfill.js';
import { HistoryStore } from './history-store.js';

/** Events held at most between two writes: a flood must not grow memory without bound. */
const MAX_PENDING_EVENTS = 100_000;
const FLUSH_MS = 100;
const PRUNE_MS = 3600_000;

export class HistoryFeed {
  readonly store: HistoryStore;
  private pending: CeleryEvent[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private backfilling: Promise<unknown> = Promise.resolve();

  constructor(path: string, private readonly redis: Redis, private readonly onChanged: (changed: Array<{ id: string; state: string }>) => void) {
    this.store = new HistoryStore(path);
  }

  /** Takes events as the receiver hands them over; they are written with the next flush. */
  push(events: readonly CeleryEvent[]): void {
    if (this.stopped || this.pending.length >= MAX_PENDING_EVENTS) return;
    for (const e of events) this.pending.push(e);
  }

  start(): void {
    this.timers.push(setInterval(() => this.flush(), FLUSH_MS));
    this.store.prune();
    this.timers.push(setInterval(() => this.store.prune(), PRUNE_MS));
    for (const t of this.timers) t.unref();
    this.backfilling = backfill(this.redis, this.store, () => this.stopped).catch(() => undefined);
  }

  /** Writes what is pending, waits for the backfill to stop between batches, closes the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.flush();
    await this.backfilling;
    this.store.close();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    try {
      const changed = this.store.applyEvents(events);
      if (changed.length > 0) this.onChanged(changed);
    } catch {
      // A full disk or a locked file: these events are lost to the history, not to anyone else.
    }
  }
}
