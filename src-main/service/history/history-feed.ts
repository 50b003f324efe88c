/**
 * Keeps one connection's history current: the event stream's task events and the records'
 * announcements written every 50 ms (500 under load), a task's of one flush folded into one
 * write; a task still in flight held in memory until it ends or for HOLD_MS (its received,
 * started and succeeded are then one write, not three), its text indexed in the background
 * once nothing waits; the stored results read back once when it connects (what happened while the control
 * room was away) and again after any gap in the events; the retention applied hourly. What
 * changed is told to `onChanged`, for the lists on view.
 *
 * The history fails loud and recovers by itself: a write, prune or open that fails (disk full,
 * a file locked by another program) is logged once with its cause, said in `problem` (the
 * connection's status) and retried with backoff, the events it could not write kept (bounded)
 * meanwhile; a damaged file is moved aside and a fresh one filled from the result backend.
 * Events lost on the way (the pending caps, by count and by size; a dropped subscription; a
 * write the history refuses for what it holds, not for the file) are counted and said, and the
 * gap is backfilled, at most once every few minutes: each backfill reads every stored result
 * from the production Redis. Nothing here throws out to the connection.
 */
import type { Redis } from 'ioredis';
import { MAX_META_BYTES } from '../../core/backend/read-bounds.js';
import type { HistoryTask } from '../contract/types/tasks.js';
import type { CeleryEvent } from '../../core/events/envelope.js';
import { backfill } from './backfill.js';
import { DropCounter } from '../cluster/drop-counter.js';
import { inUserWords } from '../calls/user-words.js';
import type { RecordChange } from './record-feed.js';
import type { TaskRecords } from '../../core/records/record-store.js';
import { HistoryStore, type Changed, type Report } from './history-store.js';
import { READY_STATES } from '../../core/backend/states.js';
import { stateOfEvent } from './merge.js';
import { announcedReport, mergeRecords } from './record-fields.js';
import { historyFace, type HistoryFace } from './history-reader.js';
import { describeHistoryError, isDamaged, isSqliteError, isTransient } from './history-errors.js';
import { moveAside, openHistoryStore } from './history-open.js';
import { chunksByTask, heldChars, type Chunk } from './feed-chunks.js';
import { HeldLinks } from './task-links.js';
import type { TriageMark, TriageMarkState } from './failure-triage.js';

/**
 * Events and reports held at most between two writes (and while writes fail): a flood must not
 * grow memory without bound. A batch of 60k tasks sent and followed on two cores (a report a
 * task sent, then three events and a record's announcement a task run, while the workers take
 * most of the CPU) holds ~70k at once; 100k left no room for a second batch sent meanwhile, and
 * each loss costs a backfill of every stored result. MAX_PENDING_CHARS bounds their size.
 */
export const MAX_PENDING_EVENTS = 250_000;
/**
 * Characters held at most between two writes, events and reports together, as `heldChars`
 * estimates them: an event's fields are cut on arrival to tens of kilobytes each, so events
 * under the count's cap could still hold gigabytes.
 */
export const MAX_PENDING_CHARS = 128 * 1024 * 1024;
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
/** Events and reports held past which the feed writes without its pause under load: it is falling behind. */
const BEHIND_HELD = MAX_PENDING_EVENTS / 5;
const PRUNE_MS = 3600_000;
/**
 * A task heard of that has not ended is written this long after it was first heard of at most
 * (a crash loses no more, and the backfill mends it); one that ends sooner is written once.
 */
export const HOLD_MS = 1000;
/** Tasks written in flight whose text is indexed per flush, when nothing else waits. */
const TEXT_PER_TICK = 2000;
/** Records read back in one go, for tasks known only by their announcements. */
const MAX_RECORD_READS = 1000;

/** Waits between retries of a failed write, prune or open: 1 s, growing to 15 s. */
const RETRY_MS = [1000, 2000, 5000, 10_000, 15_000];
/** How long a loss of events, or a file moved aside, stays in the status after it was dealt with. */
const NOTE_MS = 10 * 60_000;
/**
 * A gap's backfill runs at most this often (the first at once): each one scans every stored
 * result on the Redis watched, and losses come back to back under a sustained overload.
 * `CELERIAC_HISTORY_GAP_BACKFILL_MS` sets another.
 */
export const GAP_BACKFILL_MS = gapBackfillFromEnv(2 * 60_000);

function gapBackfillFromEnv(fallback: number): number {
  const n = Number(process.env.CELERIAC_HISTORY_GAP_BACKFILL_MS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
/**
 * A task's write refused for what it holds (not for the file) is tried this many times, then
 * its events are dropped: kept, they would block every later write.
 */
const MAX_REFUSED_TRIES = 5;
const MIB = 1024 * 1024;

/** What the history is failing at now (the first is said first). */
type Activity = 'open' | 'write' | 'prune' | 'backfill';
const FAILING_AT: Record<Activity, string> = {
  open: 'history file could not be opened',
  write: 'history not writing',
  prune: 'history not pruning',
  backfill: 'history not backfilling',
};
/** The same in the log, where the file is named. */
const LOG_FAILING_AT: Record<Activity, string> = {
  open: 'could not open',
  write: 'not writing to',
  prune: 'not pruning',
  backfill: 'not backfilling',
};

/** Events lost since the last backfill that covered them. */
interface Loss {
  /** Events counted as lost (exactly: dropped here). */
  counted: number;
  /** Some were lost where they cannot be counted (a dropped subscription). */
  uncounted: boolean;
  why: Set<string>;
  /** Results the backfill after the gap read; null while it has not run yet. */
  backfilled: number | null;
  doneAt: number;
}

export interface HistoryFeedOptions {
  /** Where the history's problems and recoveries are written, one line each. @default stderr */
  log?: (line: string) => void;
  /** Told when `problem` may have changed. */
  onProblem?: () => void;
  /** The least time between two backfills of a gap in the events, ms. @default GAP_BACKFILL_MS */
  gapBackfillEveryMs?: number;
  /** How long a task in flight is held before it is written, ms. @default HOLD_MS */
  holdMs?: number;
}

export class HistoryFeed {
  private current: HistoryStore;
  private pending: CeleryEvent[] = [];
  private reports: Report[] = [];
  /** Each task's last report in `reports` (not a view's), for mergedIntoLast. */
  private readonly lastReport = new Map<string, Report>();
  /** When each task in `pending` or `reports` was first heard of (ms), for HOLD_MS. */
  private heardAt = new Map<string, number>();
  /** Whether tasks written in flight may have text to index (something was written since it was last found none). */
  private textDue = true;
  private readonly timers: NodeJS.Timeout[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  /** A flush's tasks not written yet: each chunk's events and reports, by task. */
  private chunks: Chunk[] = [];
  /** Events and reports in `chunks`, for the bound on what is held. */
  private chunkEvents = 0;
  private chunkReports = 0;
  /** Characters held (@see heldChars): in `pending` and `reports`, and in `chunks`. */
  private pendingChars = 0;
  private chunkChars = 0;
  /** Tasks written since the last pause: more than BUSY_ROWS, and the next pause is longer. */
  private cycleRows = 0;
  /** Whether the last cycle wrote more than BUSY_ROWS tasks (a flood: the text index waits). */
  private busy = false;
  private stopped = false;
  private backfilling: Promise<unknown> = Promise.resolve();
  private backfillRunning = false;
  /** Tasks known with no name (sent, or run by a worker that sends no events): their records are read. */
  private unnamed: string[] = [];
  private reading: Promise<unknown> | null = null;
  /** What fails now, with its cause; each logged when it starts and when it recovers. */
  private readonly failing = new Map<Activity, string>();
  /** When each failing activity is tried next, and how many tries it failed. */
  private readonly retryAt = new Map<Activity, number>();
  private readonly attempts = new Map<Activity, number>();
  private pruneDue = false;
  /** A gap in the events to backfill once the flood is over. */
  private gapDue = false;
  /** A store just swapped in (a fresh file, or the file opened at last): filled from the result backend once no backfill runs. */
  private refillDue = false;
  private loss: Loss | null = null;
  private movedAside: { to: string; at: number } | null = null;
  private noteTimer: NodeJS.Timeout | null = null;
  /** When the last backfill of a gap started (ms), and why the last one failed (null: it did not). */
  private gapRunAt = -Infinity;
  private gapError: string | null = null;
  private readonly gapEveryMs: number;
  private readonly holdMs: number;
  /** The stored results the backfills left out (too large), across runs: each reason logged once. */
  private readonly backfillDrops: DropCounter;
  /** How many the last backfill that finished left out. */
  private leftOut = 0;
  /** The cause of the last write refused (logged when it changes). */
  private refusedCause: string | null = null;
  private readonly log: (line: string) => void;
  private readonly onProblem: () => void;
  /** Reports handed over by views (what they read themselves): told to the lists only when they change a row. */
  private readonly fromViews = new WeakSet<Report>();
  /** The read-only face handlers are given: @see history-reader.ts */
  readonly face: HistoryFace;
  /** Tasks resent from a view that the file could not take yet: @see task-links.ts */
  private readonly heldLinks = new HeldLinks();

  constructor(
    private readonly path: string,
    private readonly redis: Redis,
    private readonly records: TaskRecords,
    private readonly onChanged: (changed: Array<{ id: string; state: string }>) => void,
    options: HistoryFeedOptions = {},
  ) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.onProblem = options.onProblem ?? (() => undefined);
    this.gapEveryMs = options.gapBackfillEveryMs ?? GAP_BACKFILL_MS;
    this.holdMs = options.holdMs ?? HOLD_MS;
    this.backfillDrops = new DropCounter('History', (line) => this.log(line));
    this.current = this.openOrMemory();
    this.face = historyFace(() => this.current, (reports) => this.handOver(reports), (link) => this.heldLinks.hand(link, (l) => this.current.noteResend(l)), (key, state) => this.markTriage(key, state));
  }

  /**
   * A user's mark on a failure group, written at once (a user waits on it: it is not held for
   * a later flush). A file that refuses it fails the call, and the user is told; a damaged one
   * is replaced as a write's would be.
   */
  private markTriage(key: string, state: TriageMarkState | 'open'): TriageMark | null {
    if (this.stopped) throw new Error('the history is closed: mark the failure group again once the connection is back');
    try {
      return this.current.markTriage(key, state, Date.now() / 1000);
    } catch (err) {
      if (isDamaged(err)) this.replaceDamaged(err);
      throw new Error(`the failure group's mark was not kept: ${describeHistoryError(err)}; try again`, { cause: err });
    }
  }

  /** The store the views read; another one after a damaged file was replaced or the file could be opened. */
  get store(): HistoryStore {
    return this.current;
  }

  /**
   * What is wrong with the history now, in the words the connection's status shows; null when
   * all is well.
   */
  get problem(): string | null {
    const parts: string[] = [];
    for (const activity of ['open', 'write', 'prune', 'backfill'] as const) {
      const cause = this.failing.get(activity);
      if (cause === undefined) continue;
      if (activity === 'open') parts.push(`${FAILING_AT.open}: ${cause}; kept in memory meanwhile, retrying`);
      else if (activity === 'write') parts.push(`${FAILING_AT.write}: ${cause}; retrying (${this.held()} events held)`);
      else parts.push(`${FAILING_AT[activity]}: ${cause}; retrying`);
    }
    const now = Date.now();
    if (this.movedAside && now - this.movedAside.at < NOTE_MS) parts.push(`history file was damaged: moved aside to ${this.movedAside.to}; a fresh one is filled from the result backend`);
    const loss = this.loss;
    if (loss && (loss.backfilled === null || now - loss.doneAt < NOTE_MS)) {
      parts.push(`history missed ${lostCount(loss)} events (${[...loss.why].join(', ')}); ${loss.backfilled === null ? this.gapNote(now) : `the gap was backfilled from the result backend (${loss.backfilled} results read)`}`);
    }
    if (this.leftOut > 0) parts.push(`the history's backfill left out ${this.leftOut} stored ${this.leftOut === 1 ? 'result' : 'results'} over ${MAX_META_BYTES / MIB} MiB (not read)`);
    return parts.length > 0 ? parts.join('; ') : null;
  }

  /** A gap not backfilled yet: being read, or when it will be (and why the last try failed). */
  private gapNote(now: number): string {
    const next = this.gapRunAt + this.gapEveryMs;
    if (!this.gapDue || next <= now) return 'backfilling the gap from the result backend';
    const at = `at ${new Date(next).toTimeString().slice(0, 8)} (one backfill every ${inUnits(this.gapEveryMs)} at most)`;
    return this.gapError === null ? `the gap is backfilled from the result backend ${at}` : `the gap's backfill failed (${this.gapError}); tried again ${at}`;
  }

  /** Takes events as the receiver hands them over; they are written with the next flush. */
  push(events: readonly CeleryEvent[]): void {
    if (this.stopped) return;
    const room = Math.min(events.length, Math.max(0, MAX_PENDING_EVENTS - this.pending.length - this.chunkEvents));
    const heard = Date.now();
    let taken = 0;
    let full = false;
    for (; taken < room; taken++) {
      const chars = heldChars(events[taken]!);
      if (this.pendingChars + this.chunkChars + chars > MAX_PENDING_CHARS) {
        full = true;
        break;
      }
      this.pendingChars += chars;
      const e = events[taken]!;
      this.pending.push(e);
      if (typeof e.uuid === 'string' && !this.heardAt.has(e.uuid)) this.heardAt.set(e.uuid, heard);
    }
    if (taken < events.length) {
      let tasks = 0;
      for (let i = taken; i < events.length; i++) if (events[i]!.type.startsWith('task-')) tasks++;
      if (tasks > 0) this.lose(tasks, this.overflowCause(full));
    }
  }

  /**
   * What this control room itself knows of tasks it sent (a batch: names, queue), or what a view
   * read itself (`fromView`: a record, a stored result); written with the next flush. A view's
   * reports that find no room are dropped uncounted: no event was lost, the view reads them again.
   */
  pushReports(reports: readonly Report[], fromView = false): void {
    if (this.stopped) return;
    const room = Math.min(reports.length, Math.max(0, MAX_PENDING_EVENTS - this.reports.length - this.chunkReports));
    const heard = Date.now();
    let taken = 0;
    let full = false;
    for (; taken < room; taken++) {
      const r = reports[taken]!;
      if (!fromView && this.mergedIntoLast(r)) continue;
      const chars = r.id.length + heldChars(r.fields);
      if (this.pendingChars + this.chunkChars + chars > MAX_PENDING_CHARS) {
        full = true;
        break;
      }
      this.pendingChars += chars;
      this.reports.push(r);
      if (!this.heardAt.has(r.id)) this.heardAt.set(r.id, heard);
      if (fromView) this.fromViews.add(r);
      else this.lastReport.set(r.id, r);
    }
    if (taken < reports.length && !fromView) this.lose(reports.length - taken, this.overflowCause(full));
  }

  /**
   * Whether a report of a task was merged into the one pending before it, of the same state
   * (what this control room sent, then the record's announcement of it; a record's STARTED
   * told twice): folded in order they are one report, and the second mostly adds nothing.
   */
  private mergedIntoLast(r: Report): boolean {
    const last = this.lastReport.get(r.id);
    if (last === undefined || last.state !== r.state) return false;
    const fields = r.fields as Record<string, unknown>;
    const had = last.fields as Record<string, unknown>;
    let adds = false;
    for (const k in fields) if (fields[k] !== undefined && fields[k] !== null && fields[k] !== had[k]) adds = true;
    if (adds) {
      // A copy: the report's fields may be its sender's.
      const merged = { ...had };
      for (const k in fields) if (fields[k] !== undefined && fields[k] !== null) merged[k] = fields[k];
      last.fields = merged as Report['fields'];
      this.pendingChars += heldChars(fields);
    }
    return true;
  }

  /**
   * What a view read itself (a task's record, its stored result), handed over to be written:
   * at once, so the next call reads it (a retry's preview after the page said REVOKED), unless
   * the feed still holds something of these tasks, whose events came first and are written
   * first (a retried task's runs are told apart by its events' order): then with the next
   * flush. Either way the lists are told only of rows it moved.
   */
  handOver(reports: readonly Report[]): void {
    if (this.stopped || reports.length === 0) return;
    const ids = new Set(reports.map((r) => r.id));
    if (this.failing.has('write') || this.holdsAny(ids)) return this.pushReports(reports, true);
    let told: Changed[];
    try {
      const before = new Map([...ids].map((id) => [id, this.current.get(id)]));
      told = this.current.applyMany(reports).filter((c) => moved(before.get(c.id) ?? null, this.current.get(c.id)));
    } catch {
      // Written with the next flush, whose failures are said and retried.
      return this.pushReports(reports, true);
    }
    if (told.length > 0) this.onChanged(told.map((c) => ({ id: c.id, state: c.state })));
  }

  /** Whether events or reports of any of these tasks wait to be written. */
  private holdsAny(ids: ReadonlySet<string>): boolean {
    const held = (events: readonly CeleryEvent[], reports: readonly Report[]): boolean =>
      events.some((e) => typeof e.uuid === 'string' && ids.has(e.uuid)) || reports.some((r) => ids.has(r.id));
    return held(this.pending, this.reports) || this.chunks.some((c) => held(c.events, c.reports));
  }

  /** Takes the records' announcements (tasks sent, and Celeriac's states); written with the next flush. */
  pushRecords(changes: readonly RecordChange[]): void {
    this.pushReports(changes.map(announcedReport));
  }

  /**
   * Events were lost before they reached us (the event subscription dropped: Redis's output
   * buffer limit, a restart): how many is unknown. The gap is backfilled from the result backend.
   */
  eventsLost(why: string): void {
    if (this.stopped) return;
    this.lose(null, why);
  }

  /**
   * A view's read failed: when it found the file damaged, the file is moved aside and a fresh
   * one backfilled (a closed store's error is not damage: an old store's read is never mistaken
   * for the new one's). @returns whether the file was replaced
   */
  readFailed(err: unknown): boolean {
    return !this.stopped && isDamaged(err) && this.replaceDamaged(err);
  }

  start(): void {
    this.pruneDue = true;
    this.schedule(FLUSH_MS);
    this.timers.push(setInterval(() => (this.pruneDue = true), PRUNE_MS));
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
    // A gap noted from now on needs a run that starts after it.
    const coversGap = this.gapDue;
    this.gapDue = false;
    if (coversGap) {
      this.gapRunAt = Date.now();
      this.onProblem(); // no longer waiting: backfilling
    }
    const store = this.current;
    const leftOutBefore = this.leftOutSoFar();
    this.backfilling = backfill(this.redis, store, () => this.stopped || this.current !== store, this.backfillDrops).then(
      (read) => {
        this.recovered('backfill');
        this.textDue = true;
        const leftOut = this.leftOutSoFar() - leftOutBefore;
        if (leftOut !== this.leftOut) {
          this.leftOut = leftOut;
          this.onProblem();
        }
        if (coversGap) this.gapError = null;
        if (coversGap && this.loss && this.loss.backfilled === null && !this.gapDue) {
          this.loss.backfilled = read;
          this.loss.doneAt = Date.now();
          this.log(`history: missed ${lostCount(this.loss)} events (${[...this.loss.why].join(', ')}); backfilled the gap from the result backend (${read} results read)`);
          this.clearNoteLater();
          this.onProblem();
        }
      },
      (err: unknown) => {
        // The gap is read at its next turn, whatever failed (Redis or the history).
        if (coversGap) {
          this.gapDue = true;
          this.gapError = isSqliteError(err) ? null : inUserWords(err instanceof Error ? err.message : String(err)).message;
          this.onProblem();
        }
        // Redis away: the records' reconnect runs it again. The history failing: retried here.
        if (!isSqliteError(err)) return;
        if (isDamaged(err) && this.replaceDamaged(err)) return;
        this.failed('backfill', err);
      },
    ).finally(() => {
      this.backfillRunning = false;
    });
  }

  /** Writes what is pending, waits for the backfill to stop between batches, closes the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.noteTimer) clearTimeout(this.noteTimer);
    while (this.pending.length > 0 || this.reports.length > 0 || this.chunks.length > 0) {
      this.flush(true);
      if (this.failing.has('write')) {
        this.log(`history: closed with ${this.held()} events not written to ${this.path}: ${this.failing.get('write')}`);
        break;
      }
    }
    await this.backfilling;
    await this.reading;
    this.current.close();
  }

  private schedule(ms: number): void {
    this.flushTimer = setTimeout(() => this.tick(), ms);
    this.flushTimer.unref();
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.failing.has('open') && this.due('open')) this.openFile();
    if (this.pruneDue && this.due('prune')) this.prune();
    if (this.failing.has('backfill') && this.due('backfill') && !this.gapDue) this.catchUp();
    if (this.refillDue && !this.backfillRunning) {
      this.refillDue = false;
      this.catchUp();
    }
    this.cycleRows += this.flush();
    if (this.stopped) return;
    this.heldLinks.writeHeld((l) => this.current.noteResend(l));
    if (this.failing.size > 0) this.onProblem(); // the count of events held moved
    if (this.failing.has('write')) {
      // Woken for the first retry due; the others are tried on the way.
      return this.schedule(Math.max(FLUSH_MS, Math.min(...this.retryAt.values()) - Date.now()));
    }
    // The gap is read once the flood that made it is written, and not sooner than its turn.
    if (this.gapDue && Date.now() >= this.gapRunAt + this.gapEveryMs && this.pending.length < MAX_PENDING_EVENTS / 2 && this.pendingChars < MAX_PENDING_CHARS / 2) this.catchUp();
    if (this.chunks.length > 0) return this.schedule(0);
    // Falling behind (a flood: this cycle wrote, and much is still held): no pause, or the held
    // events reach their cap while the history waits. What is only held in flight is no reason.
    const behind = this.cycleRows > 0 && this.pending.length + this.reports.length > BEHIND_HELD;
    this.busy = this.cycleRows > BUSY_ROWS;
    this.schedule(behind ? 0 : this.busy ? BUSY_FLUSH_MS : FLUSH_MS);
    this.cycleRows = 0;
  }

  /**
   * Writes what is pending. A write that fails for the file (locked, full: @see isTransient)
   * keeps its chunk for the next try (after a backoff, unless `now`); one refused for what it
   * holds is split by task, and a task's refused again is dropped (@see refused).
   * @returns how many tasks it wrote
   */
  private flush(now = false): number {
    if (!now && !this.due('write')) return 0;
    if (this.chunks.length === 0) {
      const due = now ? this.takeAll() : this.takeDue(Date.now());
      if (due.events.length === 0 && due.reports.length === 0) {
        this.readRecords();
        if (this.pending.length === 0 && this.reports.length === 0) this.indexText();
        return 0;
      }
      this.chunks = chunksByTask(due.events, due.reports, due.chars, MAX_TASKS_PER_WRITE);
      this.chunkEvents = due.events.length;
      this.chunkReports = due.reports.length;
      this.chunkChars = due.chars;
    }
    const chunk = this.chunks[0]!;
    let changed: Changed[];
    let viewOnly: Map<string, HistoryTask | null> | null;
    try {
      viewOnly = this.viewOnlyRows(chunk);
      // Under load (more than a write's worth due at once), the text waits for the flood to end.
      changed = this.current.apply(chunk.events, chunk.reports, undefined, { deferText: this.chunks.length > 1 || this.cycleRows > BUSY_ROWS });
    } catch (err) {
      if (isDamaged(err) && this.replaceDamaged(err)) return 0;
      if (isTransient(err)) this.failed('write', err);
      else this.refused(chunk, err);
      return 0;
    }
    this.takeChunk();
    this.recovered('write');
    this.textDue = true;
    if (viewOnly) changed = changed.filter((c) => !viewOnly.has(c.id) || moved(viewOnly.get(c.id)!, this.current.get(c.id)));
    if (changed.length === 0) return 0;
    this.onChanged(changed.map((c) => ({ id: c.id, state: c.state })));
    for (const c of changed) if (!c.named && this.unnamed.length < MAX_PENDING_EVENTS) this.unnamed.push(c.id);
    this.readRecords();
    return changed.length;
  }

  /**
   * The rows of a chunk's tasks that only views' reports touch, as they are before its write
   * (null: none such). The lists are told of such a task only when the write moved its row: a
   * task's page reloads when told its task changed, and hands over what it read again; told
   * each time, it would reload forever.
   */
  private viewOnlyRows(chunk: Chunk): Map<string, HistoryTask | null> | null {
    if (!chunk.reports.some((r) => this.fromViews.has(r))) return null;
    const heard = new Set<unknown>(chunk.events.map((e) => e.uuid));
    for (const r of chunk.reports) if (!this.fromViews.has(r)) heard.add(r.id);
    const rows = new Map<string, HistoryTask | null>();
    for (const r of chunk.reports) if (!heard.has(r.id) && !rows.has(r.id)) rows.set(r.id, this.current.get(r.id));
    return rows;
  }

  /** Everything pending, to be written now (at stop). */
  private takeAll(): Due {
    const due = { events: this.pending, reports: this.reports, chars: this.pendingChars };
    this.pending = [];
    this.reports = [];
    this.pendingChars = 0;
    this.heardAt.clear();
    this.lastReport.clear();
    return due;
  }

  /**
   * What is due to be written: every task that ended, or was first heard of `holdMs` ago;
   * the others' events and reports stay pending, in their order.
   */
  private takeDue(nowMs: number): Due {
    if (this.pending.length === 0 && this.reports.length === 0) return { events: [], reports: [], chars: 0 };
    const write = new Set<string>();
    for (const e of this.pending) if (typeof e.uuid === 'string' && READY_STATES.has(stateOfEvent(e.type))) write.add(e.uuid);
    for (const r of this.reports) if (READY_STATES.has(r.state)) write.add(r.id);
    for (const [id, at] of this.heardAt) {
      if (nowMs - at < this.holdMs) break; // in the order heard: the rest are younger
      write.add(id);
    }
    const events: CeleryEvent[] = [];
    const reports: Report[] = [];
    const keptEvents: CeleryEvent[] = [];
    const keptReports: Report[] = [];
    let kept = 0;
    for (const e of this.pending) {
      if (typeof e.uuid !== 'string' || write.has(e.uuid)) events.push(e);
      else {
        keptEvents.push(e);
        kept += heldChars(e);
      }
    }
    for (const r of this.reports) {
      if (write.has(r.id)) reports.push(r);
      else {
        keptReports.push(r);
        kept += r.id.length + heldChars(r.fields);
      }
    }
    for (const id of write) {
      this.heardAt.delete(id);
      this.lastReport.delete(id);
    }
    const chars = this.pendingChars - kept;
    this.pending = keptEvents;
    this.reports = keptReports;
    this.pendingChars = kept;
    return { events, reports, chars };
  }

  /**
   * Indexes the text of tasks written in flight, a slice per flush while nothing else waits and
   * the last cycle was not busy: a search finds them before (@see HistoryStore.matching), and
   * the index is written once a flood is over instead of during it (between its flushes, it
   * took a seventh of the room's time). A failure is the next flush's to retry.
   */
  private indexText(): void {
    if (!this.textDue || this.busy || this.failing.has('write')) return;
    try {
      this.textDue = this.current.indexDueText(TEXT_PER_TICK) === TEXT_PER_TICK;
    } catch (err) {
      if (isDamaged(err)) this.replaceDamaged(err);
    }
  }

  /** The first chunk is done with (written, or dropped). */
  private takeChunk(): void {
    const chunk = this.chunks.shift()!;
    this.chunkEvents -= chunk.events.length;
    this.chunkReports -= chunk.reports.length;
    this.chunkChars = this.chunks.length === 0 ? 0 : this.chunkChars - chunk.chars;
  }

  /**
   * The first chunk's write failed for what it holds, not for the file (a value SQLite or the
   * binding refuses): the same rows would fail again, and every later event wait behind them.
   * A chunk of several tasks is split into one per task, so the others are written; a task's
   * chunk refused MAX_REFUSED_TRIES times is dropped, its events counted as lost (the gap is
   * backfilled), the cause logged when it changes.
   */
  private refused(chunk: Chunk, err: unknown): void {
    if (!chunk.single) {
      const pieces = chunksByTask(chunk.events, chunk.reports, chunk.chars, 1);
      for (const piece of pieces) piece.single = true;
      this.chunks.splice(0, 1, ...pieces);
      this.chunkChars += pieces.reduce((n, p) => n + p.chars, 0) - chunk.chars;
      return;
    }
    if (++chunk.tries < MAX_REFUSED_TRIES) return;
    this.takeChunk();
    const cause = describeHistoryError(err);
    const n = chunk.events.length + chunk.reports.length;
    this.lose(n, 'writes the history refused');
    if (cause !== this.refusedCause) {
      this.refusedCause = cause;
      this.log(`history: a write to ${this.path} was refused ${MAX_REFUSED_TRIES} times (${cause}); the task's ${n} events were dropped (further refusals are counted, not logged)`);
    }
  }

  /** Stored results the backfills left out so far (over MAX_META_BYTES). */
  private leftOutSoFar(): number {
    return this.backfillDrops.totals()['too-large'] ?? 0;
  }

  /** Applies the retention; a failure is said and retried. */
  private prune(): void {
    try {
      this.current.prune();
      this.pruneDue = false;
      this.recovered('prune');
    } catch (err) {
      if (isDamaged(err) && this.replaceDamaged(err)) return;
      this.failed('prune', err);
    }
  }

  /** Opens the file, or keeps the history in memory while it cannot be (said, and retried). */
  private openOrMemory(): HistoryStore {
    try {
      const opened = openHistoryStore(this.path);
      if (opened.movedAside) this.notedMovedAside(opened.movedAside.to, opened.movedAside.cause);
      return opened.store;
    } catch (err) {
      this.failed('open', err);
      return new HistoryStore(':memory:');
    }
  }

  /** After the file could not be opened: tries again; once open, the backfill fills it. */
  private openFile(): void {
    let opened;
    try {
      opened = openHistoryStore(this.path);
    } catch (err) {
      this.failed('open', err);
      return;
    }
    if (opened.movedAside) this.notedMovedAside(opened.movedAside.to, opened.movedAside.cause);
    // What was kept in memory meanwhile is read again from the result backend.
    const memory = this.current;
    this.current = opened.store;
    memory.close();
    this.recovered('open');
    this.refillDue = true;
  }

  /**
   * The file turned out damaged under us (a write or the retention reached a broken page): it
   * is moved aside and a fresh one opened and backfilled. @returns whether it was replaced
   */
  private replaceDamaged(err: unknown): boolean {
    if (this.path === ':memory:') return false;
    try {
      this.current.close();
    } catch {
      // already closed: it is replaced all the same
    }
    try {
      const to = moveAside(this.path);
      this.notedMovedAside(to, describeHistoryError(err));
      this.current = new HistoryStore(this.path);
    } catch (openErr) {
      this.failed('open', openErr);
      this.current = new HistoryStore(':memory:');
      return true;
    }
    this.refillDue = true;
    return true;
  }

  private notedMovedAside(to: string, cause: string): void {
    this.movedAside = { to, at: Date.now() };
    this.log(`history: ${this.path} is damaged ${cause.replace(/^the file is damaged /, '')}; moved aside to ${to}; a fresh one is filled from the result backend`);
    this.clearNoteLater();
    this.onProblem();
  }

  /** Counts events lost (null: an unknown number), logs the first of a run of losses, and backfills the gap. */
  private lose(n: number | null, why: string): void {
    if (!this.loss || this.loss.backfilled !== null) {
      this.loss = { counted: 0, uncounted: false, why: new Set(), backfilled: null, doneAt: 0 };
      this.log(`history: events lost (${why}); the gap is backfilled from the result backend once it can be`);
    }
    if (n === null) this.loss.uncounted = true;
    else this.loss.counted += n;
    const known = this.loss.why.size;
    this.loss.why.add(why);
    this.gapDue = true;
    if (known === 0 || this.loss.why.size !== known || n === null) this.onProblem();
  }

  /** A failure: logged when it starts or its cause changes, said in `problem`, retried after a backoff. */
  private failed(activity: Activity, err: unknown): void {
    const cause = describeHistoryError(err);
    if (this.failing.get(activity) !== cause) {
      const meanwhile = activity === 'write' ? `, ${this.held()} events held` : activity === 'open' ? ', kept in memory meanwhile' : '';
      this.log(`history: ${LOG_FAILING_AT[activity]} ${this.path}: ${cause}; retrying${meanwhile}`);
      this.failing.set(activity, cause);
      this.onProblem();
    }
    const attempt = this.attempts.get(activity) ?? 0;
    this.retryAt.set(activity, Date.now() + RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!);
    this.attempts.set(activity, attempt + 1);
  }

  /** Whether an activity may be tried now (it is not waiting out a backoff). */
  private due(activity: Activity): boolean {
    return (this.retryAt.get(activity) ?? 0) <= Date.now();
  }

  private recovered(activity: Activity): void {
    if (!this.failing.has(activity)) return;
    this.failing.delete(activity);
    this.log(`history: ${activity === 'open' ? `${this.path} opened` : activity === 'write' ? `writing again to ${this.path}; the events held are written` : `${activity === 'prune' ? 'pruning' : 'backfilling'} again`}`);
    this.retryAt.delete(activity);
    this.attempts.delete(activity);
    this.onProblem();
  }

  /** Why what came over a cap was dropped (the count's, or the size's when `bySize`): a flood, or writes failing for long. */
  private overflowCause(bySize = false): string {
    const cap = bySize ? `the pending events' size cap (${MAX_PENDING_CHARS / 1024 / 1024} MiB) was full` : 'the pending-events cap was full';
    return this.failing.has('write') ? `${cap} while the history could not be written` : cap;
  }

  /** Events and reports waiting to be written. */
  private held(): number {
    return this.pending.length + this.reports.length + this.chunkEvents + this.chunkReports;
  }

  /** A note that expires says so when it does (the status is redrawn). */
  private clearNoteLater(): void {
    if (this.noteTimer) clearTimeout(this.noteTimer);
    this.noteTimer = setTimeout(() => this.onProblem(), NOTE_MS + 1000);
    this.noteTimer.unref();
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
    const ids = this.current.unnamed(this.unnamed.splice(0, MAX_RECORD_READS));
    if (ids.length === 0) return;
    this.reading = mergeRecords(this.current, this.records, ids).then(
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

/** What a flush writes: events and reports, and the characters they hold (@see heldChars). */
interface Due {
  events: CeleryEvent[];
  reports: Report[];
  chars: number;
}


/** Whether a write changed a row in more than its `updated_at` (a new row did). */
function moved(before: HistoryTask | null, after: HistoryTask | null): boolean {
  if (before === null || after === null) return true;
  const b = before as unknown as Record<string, unknown>;
  const a = after as unknown as Record<string, unknown>;
  return Object.keys(a).some((k) => k !== 'updated_at' && a[k] !== b[k]);
}

/** "5000", "at least 5000", or "an unknown number of". */
function lostCount(loss: Loss): string {
  if (!loss.uncounted) return String(loss.counted);
  return loss.counted > 0 ? `at least ${loss.counted}` : 'an unknown number of';
}

/** "2 min", "90 s", "1.5 s". */
function inUnits(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Number((ms / 1000).toFixed(1))} s`;
}
