/**
 * Keeps one connection's history current: the event stream's task events and the records'
 * announcements written every 50 ms (500 under load), a task's of one flush folded into one
 * write; the stored results read back once when it connects (what happened while the control
 * room was away); the retention applied hourly. What changed is told to `onChanged`, for the
 * lists on view.
 */
import type { Redis } from 'ioredis';
import type { CeleryEvent } from '../../core/events/envelope.js';
import { backfill } from './backfill.js';
import type { RecordChange } from '../record-feed.js';
import type { TaskRecords } from '../../core/records/record-store.js';
import { HistoryStore, type Changed, type Report } from './history-store.js';
import { announcedReport, mergeRecords } from './record-fields.js';

/** Events held at most between two writes: a flood must not grow memory without bound. */
const MAX_PENDING_EVENTS = 100_000;
/**
 * Written every 50 ms; under load (a flush of more than BUSY_ROWS tasks) every 500 ms: a
 * task's reports of one flush are one write, and a running batch's tasks written once rather
 * than at each of their events cost the history half as much. Lists on view then move twice a
 * second instead of twenty times.
 */
const FLUSH_MS = 50;
const BUSY_FLUSH_MS = 500;
const BUSY_ROWS = 2000;
/**
 * Tasks written in one transaction at most (~50 ms of work under load): the rest go in the next
 * one, after the event loop has run what waits (a batch's progress push every 200 ms). A task's
 * events and reports of a flush always go together: one write per task.
 */
const MAX_TASKS_PER_WRITE = 2000;
const PRUNE_MS = 3600_000;
/** Records read back in one go, for tasks known only by their announcements. */
const MAX_RECORD_READS = 1000;

export class HistoryFeed {
  readonly store: HistoryStore;
  private pending: CeleryEvent[] = [];
  private reports: Report[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  /** A flush's tasks not written yet: each chunk's events and reports, by task. */
  private chunks: Array<{ events: CeleryEvent[]; reports: Report[]; rows: number }> = [];
  /** Tasks written since the last pause: more than BUSY_ROWS, and the next pause is longer. */
  private cycleRows = 0;
  private stopped = false;
  private backfilling: Promise<unknown> = Promise.resolve();
  private backfillRunning = false;
  /** Tasks known with no name (sent, or run by a worker that sends no events): their records are read. */
  private unnamed: string[] = [];
  private reading: Promise<unknown> | null = null;

  constructor(
    path: string,
    private readonly redis: Redis,
    private readonly records: TaskRecords,
    private readonly onChanged: (changed: Array<{ id: string; state: string }>) => void,
  ) {
    this.store = new HistoryStore(path);
  }

  /** Takes events as the receiver hands them over; they are written with the next flush. */
  push(events: readonly CeleryEvent[]): void {
    if (this.stopped || this.pending.length >= MAX_PENDING_EVENTS) return;
    for (const e of events) this.pending.push(e);
  }

  /** What this control room itself knows of tasks it sent (a batch: names, queue); written with the next flush. */
  pushReports(reports: readonly Report[]): void {
    if (this.stopped) return;
    for (const r of reports) {
      if (this.reports.length >= MAX_PENDING_EVENTS) return;
      this.reports.push(r);
    }
  }

  /** Takes the records' announcements (tasks sent, and Celeriac's states); written with the next flush. */
  pushRecords(changes: readonly RecordChange[]): void {
    this.pushReports(changes.map(announcedReport));
  }

  start(): void {
    this.schedule(FLUSH_MS);
    this.store.prune();
    this.timers.push(setInterval(() => this.store.prune(), PRUNE_MS));
    for (const t of this.timers) t.unref();
    this.catchUp();
  }

  /**
   * After a lost connection: the stored results are read again (what ended while the events and
   * announcements could not reach us), unless a backfill is still running.
   */
  catchUp(): void {
    if (this.stopped || this.backfillRunning) return;
    this.backfillRunning = true;
    this.backfilling = backfill(this.redis, this.store, () => this.stopped).catch(() => undefined).finally(() => {
      this.backfillRunning = false;
    });
  }

  /** Writes what is pending, waits for the backfill to stop between batches, closes the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    while (this.pending.length > 0 || this.reports.length > 0 || this.chunks.length > 0) this.flush();
    await this.backfilling;
    await this.reading;
    this.store.close();
  }

  private schedule(ms: number): void {
    this.flushTimer = setTimeout(() => {
      this.cycleRows += this.flush();
      if (this.stopped) return;
      if (this.chunks.length > 0) return this.schedule(0);
      this.schedule(this.cycleRows > BUSY_ROWS ? BUSY_FLUSH_MS : FLUSH_MS);
      this.cycleRows = 0;
    }, ms);
    this.flushTimer.unref();
  }

  /** Writes what is pending. @returns how many tasks it wrote */
  private flush(): number {
    if (this.chunks.length === 0) {
      if (this.pending.length === 0 && this.reports.length === 0) {
        this.readRecords();
        return 0;
      }
      this.chunks = chunksByTask(this.pending, this.reports);
      this.pending = [];
      this.reports = [];
    }
    const { events, reports } = this.chunks.shift()!;
    let changed: Changed[];
    try {
      changed = this.store.apply(events, reports);
    } catch {
      // A full disk or a locked file: these events are lost to the history, not to anyone else.
      return 0;
    }
    if (changed.length === 0) return 0;
    this.onChanged(changed.map((c) => ({ id: c.id, state: c.state })));
    for (const c of changed) if (!c.named && this.unnamed.length < MAX_PENDING_EVENTS) this.unnamed.push(c.id);
    this.readRecords();
    return changed.length;
  }

  /**
   * A task known only by its announcements has its record read, so its name, arguments, queue
   * and outcome are listed and searchable: a task just sent (its record is its message), or
   * one whose worker sends no events. Those named meanwhile (by a worker's task-received) are
   * skipped; at most MAX_RECORD_READS per flush, so a batch of 60k sent elsewhere is read over
   * seconds, not at once while it runs.
   */
  private readRecords(): void {
    if (this.reading || this.unnamed.length === 0 || this.stopped) return;
    const ids = this.store.unnamed(this.unnamed.splice(0, MAX_RECORD_READS));
    if (ids.length === 0) return;
    this.reading = mergeRecords(this.store, this.records, ids).then(
      (changed) => {
        this.reading = null;
        if (changed.length > 0) this.onChanged(changed.map((c) => ({ id: c.id, state: c.state })));
      },
      () => {
        this.reading = null;
      },
    );
  }
}

/**
 * A flush's events and reports in chunks of at most MAX_TASKS_PER_WRITE tasks, each task's in
 * one chunk, in the order they came.
 */
function chunksByTask(events: readonly CeleryEvent[], reports: readonly Report[]): Array<{ events: CeleryEvent[]; reports: Report[]; rows: number }> {
  if (events.length + reports.length <= MAX_TASKS_PER_WRITE) return [{ events: [...events], reports: [...reports], rows: 0 }];
  const chunks: Array<{ events: CeleryEvent[]; reports: Report[]; rows: number }> = [];
  const chunkOf = new Map<string, { events: CeleryEvent[]; reports: Report[]; rows: number }>();
  const place = (id: unknown): { events: CeleryEvent[]; reports: Report[]; rows: number } => {
    const key = typeof id === 'string' ? id : '';
    let chunk = chunkOf.get(key);
    if (!chunk) {
      chunk = chunks[chunks.length - 1];
      if (!chunk || chunk.rows >= MAX_TASKS_PER_WRITE) chunks.push((chunk = { events: [], reports: [], rows: 0 }));
      chunk.rows++;
      chunkOf.set(key, chunk);
    }
    return chunk;
  };
  for (const e of events) place(e.uuid).events.push(e);
  for (const r of reports) place(r.id).reports.push(r);
  return chunks;
}

