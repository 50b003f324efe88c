/**
 * The control room's task history: one SQLite database per connection profile (better-sqlite3),
 * every task it learns of, from Celery's events, Celeriac's records and the result backend,
 * merged by Celery's state precedence (merge.ts); searched with the query language
 * (query.ts) and FTS5; bounded by a retention (rows and age), pruned in the background.
 *
 * It is the control room's memory, not Redis's: reading the history costs Redis nothing.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HistoryAttempt, HistoryTask } from '../contract/types/tasks.js';
import type { CeleryEvent } from '../../core/events/envelope.js';
import { pyRepr } from '../../core/protocol/pyrepr.js';
import { READY_STATES } from '../../core/backend/states.js';
import { AggregateDeltas, KEEP_S, SLOT_S, TASK_SLOTS, taskFigures, type Counted, type TaskSlot } from './aggregates.js';
import type { TaskFigures } from '../contract/types/overview.js';
import { mergeRule, stateOfEvent } from './merge.js';
import { foldAttempt, isRetried } from './attempts.js';
import { MetricTotals, type MetricCounts } from './metric-totals.js';
import { cutValue } from './field-cut.js';
import { parseQuery } from './query.js';
import { TriageMarks, type NamedFailure, type TriageMark, type TriageMarkState } from './failure-triage.js';
import { TaskLinks } from './task-links.js';
import type { ResendLinks, TaskLink } from '../contract/types/resend.js';

const COLUMNS = ['id', 'name', 'state', 'args', 'kwargs', 'result', 'exception', 'traceback', 'worker', 'queue', 'retries', 'eta', 'expires', 'parent_id', 'root_id', 'group_id', 'received_at', 'started_at', 'succeeded_at', 'failed_at', 'runtime', 'seen_at', 'updated_at', 'progress_current', 'progress_total'] as const;

/** The columns the full-text index covers, in its order. */
const TEXT_COLUMNS = ['id', 'name', 'args', 'kwargs', 'result', 'exception', 'traceback'] as const;

/**
 * Version 2: the full-text index is contentless (it keeps the index, not a second copy of the
 * text) and written by the store, only when a task's text changed, instead of by triggers on
 * every write: the triggers (delete the old text, insert the new, on each of a task's writes)
 * were most of what an event cost. A row's old text is taken out of the index with
 * FTS5's 'delete' command and the text as indexed (the row's, which the store always has):
 * it costs a task less than `contentless_delete=1`'s DELETE by rowid (see docs/performance.md).
 *
 * Version 3: the dashboard's aggregates and /metrics' totals, kept as rows are written
 * (aggregates.ts, metric-totals.ts); counted from the rows once when a version 2 opens.
 *
 * Version 4: a deleted task's attempts go with it whatever its row says last (the trigger ran
 * only for a row still marked retried); the attempts left behind before are deleted once.
 *
 * Version 5: the text is indexed lazily (`text_indexed`): a task still in flight is written
 * without it, and indexed once, when it ends, or by `indexDueText` (in the background, and
 * before a full-text search). A task of a running batch was indexed when it was sent and again
 * when it ended: taking the first text out of the index and putting the next one in was a
 * third of what writing it cost (see docs/performance.md).
 */
const SCHEMA_VERSION = 5;
const SCHEMA = `
CREATE TABLE IF NOT EXISTS tasks (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  name TEXT, state TEXT NOT NULL, args TEXT, kwargs TEXT, result TEXT, exception TEXT, traceback TEXT,
  worker TEXT, queue TEXT, retries INTEGER, eta TEXT, expires TEXT, parent_id TEXT, root_id TEXT, group_id TEXT,
  received_at REAL, started_at REAL, succeeded_at REAL, failed_at REAL, runtime REAL,
  seen_at REAL NOT NULL, updated_at REAL NOT NULL, progress_current REAL, progress_total REAL,
  text_indexed INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS tasks_seen ON tasks(seen_at);
CREATE INDEX IF NOT EXISTS tasks_state_seen ON tasks(state, seen_at);
CREATE INDEX IF NOT EXISTS tasks_name_seen ON tasks(name, seen_at);
CREATE INDEX IF NOT EXISTS tasks_state_name_seen ON tasks(state, name, seen_at);
-- A group's (a batch's) tasks; partial: tasks of no group, most of them, cost it nothing.
CREATE INDEX IF NOT EXISTS tasks_group_seen ON tasks(group_id, seen_at) WHERE group_id IS NOT NULL;
-- The rows whose text is not indexed yet (partial: an indexed row, most of them, has no entry).
CREATE INDEX IF NOT EXISTS tasks_text_due ON tasks(text_indexed) WHERE text_indexed = 0;
CREATE VIRTUAL TABLE IF NOT EXISTS tasks_text USING fts5(${TEXT_COLUMNS.join(', ')}, content='');
-- A deleted task's text leaves the index with it (the retention's deletes), if it was in it:
-- a contentless index told to delete text it never had is damaged.
CREATE TRIGGER IF NOT EXISTS tasks_deleted AFTER DELETE ON tasks WHEN old.text_indexed = 1 BEGIN
  INSERT INTO tasks_text(tasks_text, rowid, ${TEXT_COLUMNS.join(', ')}) VALUES ('delete', old.rowid, ${TEXT_COLUMNS.map((c) => `old.${c}`).join(', ')});
END;
CREATE TABLE IF NOT EXISTS aggregates (kind TEXT NOT NULL, slot INTEGER NOT NULL, bin INTEGER NOT NULL, name TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (kind, slot, bin, name)) WITHOUT ROWID;
-- A retried task's runs (attempts.ts): only retried tasks have rows here.
CREATE TABLE IF NOT EXISTS attempts (task_id TEXT NOT NULL, n INTEGER NOT NULL, state TEXT NOT NULL, worker TEXT,
  received_at REAL, started_at REAL, ended_at REAL, exception TEXT, PRIMARY KEY (task_id, n)) WITHOUT ROWID;
-- Whatever the row says now: a task's later reports may reset its retries and state.
CREATE TRIGGER IF NOT EXISTS tasks_attempts_deleted AFTER DELETE ON tasks BEGIN
  DELETE FROM attempts WHERE task_id = old.id;
END;
CREATE TABLE IF NOT EXISTS metric_totals (key TEXT PRIMARY KEY, n REAL NOT NULL) WITHOUT ROWID;
-- The number of workers online, the most seen in each 15 s slot (the overview's workers over time).
CREATE TABLE IF NOT EXISTS workers_online (slot INTEGER PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
-- Tasks resent from the room (task-links.ts), both ways; a link goes with the task it made.
CREATE TABLE IF NOT EXISTS task_links (from_id TEXT NOT NULL, to_id TEXT NOT NULL, mode TEXT NOT NULL, at REAL NOT NULL,
  PRIMARY KEY (from_id, at, to_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS task_links_to ON task_links(to_id);
CREATE TRIGGER IF NOT EXISTS tasks_links_deleted AFTER DELETE ON tasks BEGIN
  DELETE FROM task_links WHERE to_id = old.id;
END;
-- Failure groups the user marked resolved or ignored (failure-triage.ts), by group key.
CREATE TABLE IF NOT EXISTS failure_triage (key TEXT PRIMARY KEY, state TEXT NOT NULL, at REAL NOT NULL);
`;

/**
 * Version 2 to 3: the number of tasks was a row of its own (`counts`, kept by the store and the
 * delete trigger); it is the sum of the aggregates' states now, counted from the rows once.
 */
const MIGRATE_2 = `
DROP TRIGGER IF EXISTS tasks_deleted;
DROP TABLE IF EXISTS counts;
`;

/** Version 3 to 4: the attempts trigger made again (by SCHEMA) without its condition; the orphans it left deleted after. */
const MIGRATE_3 = 'DROP TRIGGER IF EXISTS tasks_attempts_deleted';
const ORPHAN_ATTEMPTS = 'DELETE FROM attempts WHERE task_id NOT IN (SELECT id FROM tasks)';

/** Version 4 to 5: every row's text is indexed; the delete trigger is made again (by SCHEMA) with its condition. */
const ADD_TEXT_INDEXED = 'ALTER TABLE tasks ADD COLUMN text_indexed INTEGER NOT NULL DEFAULT 1';
const MIGRATE_4 = 'DROP TRIGGER IF EXISTS tasks_deleted';

/** Version 1 (external-content index kept by triggers) to 2: its index is rebuilt from the rows. */
const MIGRATE_1 = `
ALTER TABLE tasks ADD COLUMN progress_current REAL;
ALTER TABLE tasks ADD COLUMN progress_total REAL;
DROP TRIGGER IF EXISTS tasks_ai; DROP TRIGGER IF EXISTS tasks_ad; DROP TRIGGER IF EXISTS tasks_au;
DROP TRIGGER IF EXISTS tasks_count_ai; DROP TRIGGER IF EXISTS tasks_count_ad;
DROP TABLE IF EXISTS tasks_fts;
`;

/** Rows kept as written, for their next write (@see HistoryStore.recent): a running batch's worth. */
const RECENT_ROWS = 100_000;
/** A not-yet-indexed task's text, as one lower-cased string, for a search's words. */
const NOT_INDEXED_TEXT = `lower(${TEXT_COLUMNS.map((c) => `coalesce(${c}, '')`).join(" || ' ' || ")})`;

/** A text field from outside, cut (and marked) by the one field-cut rule: @see field-cut.ts */
const text = (v: unknown): string | null => cutValue(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The exception as `Type('message')`. A Python worker's prefork/solo pool sends billiard's
 * wrapper (`ExceptionWithTraceback()`) in task-failed: the traceback's last line names the
 * real one (`ValueError: no such size`), so `exception:ValueError` finds it.
 */
function exceptionOf(exception: unknown, traceback: unknown): string | null {
  const given = text(exception);
  if (given !== null && !/^ExceptionWithTraceback\(/.test(given)) return given;
  const last = typeof traceback === 'string' ? traceback.trimEnd().split('\n').pop() ?? '' : '';
  const m = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(last);
  if (!m) return given;
  const type = m[1]!.split('.').pop()!;
  return m[2] === undefined ? `${type}()` : `${type}(${pyRepr(m[2])})`;
}

/** Whether a report's column is taken under a merge rule (null: all are). */
const takes = (keep: readonly string[] | null, column: keyof HistoryTask): boolean => keep === null || keep.includes(column);

/**
 * Folds one task event into its row, in place, by Celery's merge rules. Written field by field,
 * each a named store (no object of the event's fields in between, and no store by a computed
 * key: either made folding cost more than the SQLite write).
 */
function foldEvent(row: HistoryTask, e: CeleryEvent, now: number): void {
  const type = e.type;
  const rule = mergeRule(row.state === BLANK ? null : row.state, stateOfEvent(type));
  const k = rule.keep;
  let v: string | number | null;
  let timestamp: number | null = null;
  let routingKey: string | null = null;
  let exception: unknown;
  let traceback: unknown;
  // One pass over the keys the event has: events come from JSON, each of its own shape, and
  // looking up a dozen absent fields in each cost more than the SQLite write.
  const ev = e as unknown as Record<string, unknown>;
  for (const key in ev) {
    const value = ev[key];
    switch (key) {
      case 'name': if ((v = text(value)) !== null && takes(k, 'name')) row.name = v; break;
      case 'args': if ((v = text(value)) !== null && takes(k, 'args')) row.args = v; break;
      case 'kwargs': if ((v = text(value)) !== null && takes(k, 'kwargs')) row.kwargs = v; break;
      case 'result': if ((v = text(value)) !== null && takes(k, 'result')) row.result = v; break;
      case 'exception': exception = value; break;
      case 'traceback': traceback = value; break;
      case 'hostname': if (typeof value === 'string' && type !== 'task-sent' && takes(k, 'worker')) row.worker = value; break;
      case 'queue': if ((v = text(value)) !== null && takes(k, 'queue')) row.queue = v; break;
      case 'routing_key': routingKey = text(value); break;
      case 'retries': if ((v = num(value)) !== null && takes(k, 'retries')) row.retries = v; break;
      case 'eta': if ((v = text(value)) !== null && takes(k, 'eta')) row.eta = v; break;
      case 'expires': if ((v = text(value)) !== null && takes(k, 'expires')) row.expires = v; break;
      case 'parent_id': if ((v = text(value)) !== null && takes(k, 'parent_id')) row.parent_id = v; break;
      case 'root_id': if ((v = text(value)) !== null && takes(k, 'root_id')) row.root_id = v; break;
      case 'runtime': if ((v = num(value)) !== null && takes(k, 'runtime')) row.runtime = v; break;
      case 'timestamp': timestamp = num(value); break;
    }
  }
  if (routingKey !== null && e.queue === undefined && takes(k, 'queue')) row.queue = routingKey;
  if (exception !== undefined || traceback !== undefined) {
    if ((v = exceptionOf(exception, traceback)) !== null && takes(k, 'exception')) row.exception = v;
    if ((v = text(traceback)) !== null && takes(k, 'traceback')) row.traceback = v;
  }
  const at = timestamp ?? now;
  switch (type) {
    // The first run's: a retried task is received again under its id (its runs: attempts.ts).
    case 'task-received': if (takes(k, 'received_at') && (row.received_at === null || at < row.received_at)) row.received_at = at; break;
    case 'task-started': if (takes(k, 'started_at')) row.started_at = at; break;
    case 'task-succeeded': if (takes(k, 'succeeded_at')) row.succeeded_at = at; break;
    case 'task-failed': if (takes(k, 'failed_at')) row.failed_at = at; break;
  }
  if (rule.state !== null) row.state = rule.state;
  row.updated_at = now;
}

/** When a failure failed: its task-failed; a retry: its last run's end (a task run again under its id moves it on). */
const FAILED_AT = "CASE WHEN state = 'FAILURE' THEN failed_at ELSE (SELECT max(ended_at) FROM attempts WHERE task_id = tasks.id) END";

/** A failing task as the failure pages read it. */
export interface FailureRow {
  rowid: number;
  id: string;
  name: string | null;
  state: string;
  exception: string | null;
  seen_at: number;
  failed_at: number;
  updated_at: number;
}

/** Where a page of failures starts: a time (seen_at or updated_at, as the page says) and a rowid. */
export interface FailureKeyset {
  at: number;
  rowid: number;
}

/** A task whose row a write changed: its state now, and whether its name is known yet. */
export interface Changed {
  id: string;
  state: string;
  named: boolean;
}

/** What a source other than the event stream says of a task: its state, and fields it knows. */
export interface Report {
  id: string;
  state: string;
  fields: Partial<HistoryTask>;
}

export interface Retention {
  /** Most tasks kept. @default 1,000,000 */
  maxTasks: number;
  /** Oldest kept, in days. @default 30 */
  maxAgeDays: number;
}

export const DEFAULT_RETENTION: Retention = { maxTasks: 1_000_000, maxAgeDays: 30 };

export type SortKey = 'seen' | 'started' | 'runtime';
const ORDER: Record<SortKey, string> = { seen: 't.seen_at DESC', started: 't.started_at DESC', runtime: 't.runtime DESC' };

/** How long a write waits for a lock another program holds before it fails (SQLITE_BUSY). */
const BUSY_TIMEOUT_MS = 200;

export class HistoryStore {
  private readonly db: Database.Database;
  private readonly read: Database.Statement<[string], HistoryTask>;
  /** The same row as values in COLUMNS' order, then its rowid: @see rowOf */
  private readonly readRaw: Database.Statement<[string], unknown[]>;
  private readonly insert: Database.Statement<unknown[]>;
  private readonly updates = new Map<string, Database.Statement<unknown[]>>();
  private readonly indexText: Database.Statement<unknown[]>;
  private readonly dueText: Database.Statement<[number], unknown[]>;
  private readonly markIndexed: Database.Statement<[number]>;
  private readonly dropText: Database.Statement<unknown[]>;
  private readonly nameOf: Database.Statement<[string], string | null>;
  private readonly upsertAggregate: Database.Statement<[string, number, number, string, number]>;
  private readonly lowerAggregate: Database.Statement<[number, string, number, number, string]>;
  private readonly upsertTotal: Database.Statement<[string, number]>;
  /**
   * The rows written last, as stored (COLUMNS' values, rowid, text_indexed), by id: a task
   * written in flight and again when it ends is not read back (a read was a tenth of what
   * following a batch cost). Only this store writes the file (the feed is its one writer).
   */
  private readonly recent = new Map<string, unknown[]>();
  /** What this transaction changes in the aggregates: @see aggregates.ts */
  private readonly deltas = new AggregateDeltas();
  /** /metrics' totals, in memory (a scrape reads no row): @see metric-totals.ts */
  private readonly totals = new MetricTotals();
  /**
   * Runs the reads and the writes of one batch in one transaction: a read outside one opens a
   * read transaction of its own, which against WAL costs more than its write (see docs/performance.md).
   */
  private readonly inTransaction: (fn: () => void) => void;

  /** @param path the database file, or ':memory:' */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // A file another program holds locked fails a write at once, to be retried by the feed,
    // instead of holding the event loop for better-sqlite3's default 5 s on every attempt.
    this.db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    // A file that cannot be made a history (locked, damaged) is closed before the error goes
    // up: the feed tries again every few seconds for as long as the fault lasts.
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      const version = this.db.pragma('user_version', { simple: true }) as number;
      const fresh = !this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'tasks'").get();
      if (!fresh && version < 2) this.db.exec(MIGRATE_1);
      if (!fresh && version < 3) this.db.exec(MIGRATE_2);
      if (!fresh && version < 4) this.db.exec(MIGRATE_3);
      if (!fresh && version < 5) {
        if (!this.db.prepare("SELECT 1 FROM pragma_table_info('tasks') WHERE name = 'text_indexed'").get()) this.db.exec(ADD_TEXT_INDEXED);
        this.db.exec(MIGRATE_4);
      }
      this.db.exec(SCHEMA);
      if (!fresh && version < 4) this.db.exec(ORPHAN_ATTEMPTS);
      if (!fresh && version < 2) {
        this.db.exec(`INSERT INTO tasks_text(rowid, ${TEXT_COLUMNS.join(', ')}) SELECT rowid, ${TEXT_COLUMNS.join(', ')} FROM tasks`);
      }
      this.upsertAggregate = this.db.prepare('INSERT INTO aggregates (kind, slot, bin, name, n) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n');
      this.lowerAggregate = this.db.prepare('UPDATE aggregates SET n = n + ? WHERE kind = ? AND slot = ? AND bin = ? AND name = ?');
      this.upsertTotal = this.db.prepare('INSERT INTO metric_totals (key, n) VALUES (?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n');
      this.inTransaction = this.db.transaction((fn: () => void) => fn());
      if (!fresh && version < 3) this.countStoredRows();
      this.totals.load(this.db.prepare('SELECT key, n FROM metric_totals').all() as Array<{ key: string; n: number }>);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      this.read = this.db.prepare('SELECT * FROM tasks WHERE id = ?');
      this.readRaw = this.db.prepare<[string], unknown[]>(`SELECT ${COLUMNS.join(', ')}, rowid, text_indexed FROM tasks WHERE id = ?`).raw(true);
      // Positional parameters: binding the named ones cost a noticeable part of a write
      // (see docs/performance.md).
      this.insert = this.db.prepare(`INSERT INTO tasks (${COLUMNS.join(', ')}, text_indexed) VALUES (${COLUMNS.map(() => '?').join(', ')}, ?)`);
      this.dueText = this.db.prepare<[number], unknown[]>(`SELECT rowid, ${TEXT_COLUMNS.join(', ')} FROM tasks WHERE text_indexed = 0 LIMIT ?`).raw(true);
      this.markIndexed = this.db.prepare('UPDATE tasks SET text_indexed = 1 WHERE rowid = ?');
      this.indexText = this.db.prepare(`INSERT INTO tasks_text(rowid, ${TEXT_COLUMNS.join(', ')}) VALUES (?, ${TEXT_COLUMNS.map(() => '?').join(', ')})`);
      this.dropText = this.db.prepare(`INSERT INTO tasks_text(tasks_text, rowid, ${TEXT_COLUMNS.join(', ')}) VALUES ('delete', ?, ${TEXT_COLUMNS.map(() => '?').join(', ')})`);
      this.nameOf = this.db.prepare<[string], string | null>('SELECT name FROM tasks WHERE id = ?').pluck();
    } catch (err) {
      try {
        this.db.close();
      } catch {
        // closing is all that is left to do; the first error is the one said
      }
      throw err;
    }
  }

  /** Counts the rows a version 2 history holds into the aggregates and the totals (once; slow when large). */
  private countStoredRows(): void {
    this.inTransaction(() => {
      this.db.exec('DELETE FROM aggregates; DELETE FROM metric_totals;');
      const rows = this.db.prepare('SELECT name, state, seen_at, runtime, worker, queue, retries, exception, received_at, started_at FROM tasks');
      for (const row of rows.iterate() as Iterable<Counted & Parameters<MetricTotals['count']>[1]>) {
        this.deltas.count(row, 1);
        this.totals.count(null, row);
        if (this.deltas.size >= 50_000) this.writeAggregates();
      }
      this.writeAggregates();
    });
  }

  /** Writes what the aggregates and the totals gained in this transaction. */
  private writeAggregates(): void {
    for (const { kind, slot, bin, name, n } of this.deltas.entries()) {
      // What a row takes away only lowers a slot that is still kept (the older ones were pruned).
      if (n > 0) this.upsertAggregate.run(kind, slot, bin, name, n);
      else this.lowerAggregate.run(n, kind, slot, bin, name);
    }
    this.deltas.clear();
    for (const { key, n } of this.totals.takeChanges()) this.upsertTotal.run(key, n);
  }

  close(): void {
    this.db.close();
  }

  /** A task's resends, both ways: @see task-links.ts */
  resendLinks(id: string): ResendLinks {
    return this.taskLinks().of(id);
  }

  /** Keeps a task resent as another (or retried in place with edits). */
  noteResend(link: TaskLink): void {
    this.taskLinks().add(link);
  }

  private links: TaskLinks | null = null;
  private taskLinks(): TaskLinks {
    return (this.links ??= new TaskLinks(this.db));
  }

  /**
   * Takes Celery task events (worker events are ignored), in one transaction.
   * @returns the tasks whose row changed, with their state now
   */
  applyEvents(events: readonly CeleryEvent[], now = Date.now() / 1000): Changed[] {
    return this.apply(events, [], now);
  }

  /**
   * What other sources say of tasks (the backfill's batches, the records): states and fields
   * in the history's names, in one transaction.
   * @returns the tasks whose row changed, with their state now
   */
  applyMany(reports: readonly Report[], now = Date.now() / 1000): Changed[] {
    return this.apply([], reports, now);
  }

  /**
   * Events and reports together, in one transaction. A task's events and reports of one burst
   * (received, started, succeeded of a short task, and its record's announcement) are folded
   * together first: one read and one write per task, not per event.
   * @returns the tasks whose row changed, with their state now
   */
  apply(events: readonly CeleryEvent[], reports: readonly Report[], now = Date.now() / 1000, options: { deferText?: boolean } = {}): Changed[] {
    const rows = new Map<string, Folded>();
    this.guarded(() => {
      for (const e of events) {
        if (!e.type.startsWith('task-') || typeof e.uuid !== 'string' || e.uuid === '' || e.uuid.length > 256) continue;
        const row = this.rowFor(rows, e.uuid, now);
        if (isRetried(row, e)) this.foldRun(rows.get(e.uuid)!, e, now);
        foldEvent(row, e, now);
      }
      for (const { id, state, fields } of reports) {
        if (id === '' || id.length > 256) continue;
        fold(this.rowFor(rows, id, now), state, fields as Record<string, unknown>, now);
      }
      this.writeRows(rows.values(), options.deferText === true);
      this.writeAggregates();
    });
    return [...rows.values()].map((r) => ({ id: r.row.id, state: r.row.state, named: r.row.name !== null }));
  }

  /**
   * Runs a write in one transaction; when it fails, what it counted in memory is forgotten
   * (the totals read back as stored).
   */
  private guarded(fn: () => void): void {
    try {
      this.inTransaction(fn);
    } catch (err) {
      this.deltas.clear();
      this.totals.load(this.db.prepare('SELECT key, n FROM metric_totals').all() as Array<{ key: string; n: number }>);
      this.recent.clear(); // it may hold what the rolled back transaction wrote
      throw err;
    }
  }

  /** The row a batch folds into: read once per batch (or a blank one), with its text as it was. */
  private rowFor(rows: Map<string, Folded>, id: string, now: number): HistoryTask {
    let f = rows.get(id);
    if (!f) {
      const stored = this.recent.get(id) ?? this.readRaw.get(id);
      if (stored) {
        const row = rowOf(stored);
        f = { row, rowid: stored[COLUMNS.length] as number, stored, text: stored[COLUMNS.length + 1] === 1 ? textOf(row) : null, runs: null, runsChanged: false };
      } else {
        f = { row: blank(id, now), rowid: null, stored: null, text: null, runs: null, runsChanged: false };
      }
      rows.set(id, f);
    }
    return f.row;
  }

  /** Folds an event of a retried task into its runs (read once per batch), before the row takes it. */
  private foldRun(f: Folded, e: CeleryEvent, now: number): void {
    f.runs ??= this.attempts(f.row.id);
    const exception = e.exception !== undefined || e.traceback !== undefined ? exceptionOf(e.exception, e.traceback) : null;
    if (foldAttempt(f.runs, f.row, e, num(e.timestamp) ?? now, exception)) f.runsChanged = true;
  }

  /** A retried task's runs, oldest first (none for a task run once). */
  attempts(id: string): HistoryAttempt[] {
    return this.db.prepare('SELECT n, state, worker, received_at, started_at, ended_at, exception FROM attempts WHERE task_id = ? ORDER BY n').all(id) as HistoryAttempt[];
  }

  /** Writes a task's runs as they are now (those cut from the middle are deleted). */
  private writeRuns(id: string, runs: readonly HistoryAttempt[]): void {
    this.db.prepare('DELETE FROM attempts WHERE task_id = ?').run(id);
    const insert = this.db.prepare('INSERT INTO attempts (task_id, n, state, worker, received_at, started_at, ended_at, exception) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (const r of runs) insert.run(id, r.n, r.state, r.worker, r.received_at, r.started_at, r.ended_at, r.exception);
  }

  /**
   * Inserts the new rows and updates the known ones. A task's text is indexed when it has
   * ended (READY_STATES: it will rarely change again) (unless `deferText`: a flood, whose text is indexed once it is over), then again only
   * when it changed; a task in flight is written without it (@see indexDueText).
   */
  private writeRows(rows: Iterable<Folded>, deferText: boolean): void {
    for (const { row, rowid, stored, text: before, runs, runsChanged } of rows) {
      if (runsChanged && runs) this.writeRuns(row.id, runs);
      const index = before !== null || (!deferText && READY_STATES.has(row.state));
      const after = index ? textOf(row) : null;
      const was = stored === null ? null : rowOf(stored);
      if (was === null || was.state !== row.state || was.name !== row.name || was.runtime !== row.runtime) {
        if (was !== null) this.deltas.count(was, -1);
        this.deltas.count(row, 1);
      }
      // A task known only by its announcement (no name, no queue yet) is counted once it is
      // named, with all it did by then: its counters under one set of labels, not '' then its own.
      if (row.name !== null) this.totals.count(was?.name == null ? null : was, row);
      if (rowid === null || stored === null) {
        const values: unknown[] = COLUMNS.map((c) => row[c]);
        values.push(after === null ? 0 : 1);
        const id = Number(this.insert.run(values).lastInsertRowid);
        if (after !== null) this.indexText.run([id, ...after]);
        values.splice(COLUMNS.length, 0, id);
        this.remember(row.id, values);
      } else {
        const changed = UPDATED_AT.filter((i) => row[COLUMNS[i]!] !== stored[i]);
        const firstIndexed = before === null && after !== null;
        // Nothing changed but when it was heard of (the same state told twice: a worker's event
        // and its record's announcement): no UPDATE to write.
        const moved = changed.length > 1 || (changed.length === 1 && changed[0] !== UPDATED_AT_COLUMN);
        if (moved || firstIndexed) this.updateOf(changed, firstIndexed).run([...changed.map((i) => row[COLUMNS[i]!]), rowid]);
        if (after !== null && (before === null || after.some((v, i) => v !== before[i]))) {
          if (before !== null) this.dropText.run([rowid, ...before]);
          this.indexText.run([rowid, ...after]);
        }
        if (moved || firstIndexed) {
          const values: unknown[] = COLUMNS.map((c) => row[c]);
          values.push(rowid, after === null ? 0 : 1);
          this.remember(row.id, values);
        }
      }
    }
  }

  /** Keeps a row as written, the oldest forgotten past RECENT_ROWS. */
  private remember(id: string, stored: unknown[]): void {
    this.recent.delete(id);
    this.recent.set(id, stored);
    if (this.recent.size > RECENT_ROWS) this.recent.delete(this.recent.keys().next().value as string);
  }

  /**
   * The UPDATE of these columns only (indexes of COLUMNS), prepared once per set. SQLite
   * rewrites an index's entry when its columns are assigned, changed or not: writing back every
   * column moved all four list indexes on each update of a running task.
   */
  private updateOf(columns: readonly number[], indexed: boolean): Database.Statement<unknown[]> {
    const key = `${columns.join(',')}${indexed ? '+' : ''}`;
    let st = this.updates.get(key);
    if (!st) {
      if (this.updates.size >= 512) this.updates.clear();
      const set = columns.map((i) => `${COLUMNS[i]} = ?`);
      if (indexed) set.push('text_indexed = 1');
      st = this.db.prepare(`UPDATE tasks SET ${set.join(', ')} WHERE rowid = ?`);
      this.updates.set(key, st);
    }
    return st;
  }

  /**
   * Indexes the text of up to `limit` tasks written without it (still in flight when written),
   * in one transaction. @returns how many it indexed (fewer than `limit`: none is left)
   */
  indexDueText(limit: number): number {
    let n = 0;
    this.inTransaction(() => {
      for (const v of this.dueText.all(limit)) {
        this.indexText.run(v);
        this.markIndexed.run(v[0] as number);
        this.recent.delete(v[1] as string); // its text_indexed changed
        n++;
      }
    });
    return n;
  }

  /** Of these ids, those whose row has no name yet (or no row). */
  unnamed(ids: readonly string[]): string[] {
    return ids.filter((id) => this.nameOf.get(id) == null);
  }

  get(id: string): HistoryTask | null {
    return this.read.get(id) ?? null;
  }

  /**
   * What /metrics counts, by task name, worker and queue (celery-exporter's labels): the totals
   * kept as rows are written, read from memory.
   */
  metricCounts(): MetricCounts {
    return this.totals.counts();
  }

  /**
   * The newest failing tasks (FAILURE, RETRY), for the failure groups, one row at a time: of
   * each, the first `exceptionChars` + 1 characters of its exception (one more than asked says it
   * goes on) and no traceback (@see traceback), so grouping thousands reads no megabytes.
   * Nothing else may use the database until the rows are all read (better-sqlite3's iterator).
   */
  failures(limit: number, exceptionChars: number): IterableIterator<{ id: string; name: string | null; state: string; exception: string | null; seen_at: number; failed_at: number }> {
    // failed_at: FAILED_AT; one told without a time: when it was written.
    return this.db
      .prepare(`SELECT id, name, state, substr(exception, 1, ?) AS exception, seen_at, coalesce(${FAILED_AT}, updated_at) AS failed_at FROM tasks WHERE state IN ('FAILURE', 'RETRY') ORDER BY seen_at DESC LIMIT ?`)
      .iterate(exceptionChars + 1, limit) as ReturnType<HistoryStore['failures']>;
  }

  /**
   * One page of the failures by when first seen, newest first, those before the keyset `before`
   * (seen_at, rowid; null: from the newest): a full scan read page by page, so no iterator stays
   * open between pages (the connection is busy while one is).
   */
  failurePage(before: FailureKeyset | null, limit: number, exceptionChars: number): FailureRow[] {
    const from = before ? 'AND (seen_at, rowid) < (?, ?)' : '';
    const keys = before ? [before.at, before.rowid] : [];
    // Walked down the seen_at index (which holds the rowid) and stopped at the page's end: the
    // state index would have every failure sorted again for each page. (+state: not by it.)
    return this.db
      .prepare(`SELECT rowid, id, name, state, substr(exception, 1, ?) AS exception, seen_at, coalesce(${FAILED_AT}, updated_at) AS failed_at, updated_at FROM tasks WHERE +state IN ('FAILURE', 'RETRY') ${from} ORDER BY seen_at DESC, rowid DESC LIMIT ?`)
      .all(exceptionChars + 1, ...keys, limit) as FailureRow[];
  }

  /**
   * One page of the failures whose row was written past the keyset `after` (updated_at, rowid;
   * rowid -1: every one written at `after.at` too), oldest write first: what failed since a read.
   */
  failuresWritten(after: FailureKeyset, limit: number, exceptionChars: number): FailureRow[] {
    return this.db
      .prepare(`SELECT rowid, id, name, state, substr(exception, 1, ?) AS exception, seen_at, coalesce(${FAILED_AT}, updated_at) AS failed_at, updated_at FROM tasks WHERE state IN ('FAILURE', 'RETRY') AND (updated_at > ? OR (updated_at = ? AND rowid > ?)) ORDER BY updated_at, rowid LIMIT ?`)
      .all(exceptionChars + 1, after.at, after.at, after.rowid, limit) as FailureRow[];
  }

  /** When a failure's row was written last (updated_at), or null with none. */
  lastFailureWrite(): number | null {
    return (this.db.prepare("SELECT max(updated_at) FROM tasks WHERE state IN ('FAILURE', 'RETRY')").pluck().get() as number | null) ?? null;
  }

  /** The failure groups' triage marks, by group key: @see failure-triage.ts */
  triageMarks(): Map<string, TriageMark> {
    return this.triage().marks();
  }

  /** Marks a failure group resolved or ignored, or open again (null). The feed's, the one writer's, to call. */
  markTriage(key: string, state: TriageMarkState | 'open', at: number): TriageMark | null {
    return this.triage().mark(key, state, at);
  }

  /** The newest FAILURE tasks of these task names, for the ignored groups' count: @see TriageMarks.failuresNamed */
  failuresNamed(names: ReadonlyArray<string | null>, limit: number, exceptionChars: number): Generator<NamedFailure> {
    return this.triage().failuresNamed(names, limit, exceptionChars);
  }

  private triageMarksTable: TriageMarks | null = null;
  private triage(): TriageMarks {
    return (this.triageMarksTable ??= new TriageMarks(this.db));
  }

  /** One task's traceback (as stored: at most the field cut's size), or null. */
  traceback(id: string): string | null {
    return (this.db.prepare('SELECT traceback FROM tasks WHERE id = ?').pluck().get(id) as string | null | undefined) ?? null;
  }

  /**
   * Finished tasks per time bucket since `from` (unix s, a multiple of SLOT_S; by when first
   * seen), from the 15 s slots: `width` is a multiple of SLOT_S.
   */
  throughput(from: number, width: number): Array<{ bucket: number; succeeded: number; failed: number }> {
    const rows = this.db
      .prepare("SELECT kind, slot, n FROM aggregates WHERE kind IN ('ok', 'fail') AND slot >= ? AND n != 0")
      .all(Math.floor(from / SLOT_S)) as Array<{ kind: string; slot: number; n: number }>;
    const buckets = new Map<number, { bucket: number; succeeded: number; failed: number }>();
    for (const r of rows) {
      const bucket = Math.floor((r.slot * SLOT_S - from) / width);
      let b = buckets.get(bucket);
      if (!b) buckets.set(bucket, (b = { bucket, succeeded: 0, failed: 0 }));
      if (r.kind === 'ok') b.succeeded += r.n;
      else b.failed += r.n;
    }
    return [...buckets.values()].sort((x, y) => x.bucket - y.bucket);
  }

  /**
   * Each task name's finished count, failure rate and runtime p50/p95 since `from` (unix s),
   * in slots of `width` (the slot `from` falls in is counted whole).
   */
  taskFigures(from: number, width: TaskSlot): TaskFigures[] {
    if (!TASK_SLOTS.includes(width)) throw new RangeError(`no ${width} s slots`);
    const rows = this.db
      .prepare('SELECT kind, name, bin, sum(n) AS n FROM aggregates WHERE kind IN (?, ?, ?) AND slot >= ? GROUP BY kind, name, bin')
      .all(`t${width}`, `f${width}`, `r${width}`, Math.floor(from / width)) as Array<{ kind: string; name: string; bin: number; n: number }>;
    return taskFigures(rows);
  }

  /** Notes how many workers are online now (the most seen in a 15 s slot is kept). */
  noteWorkersOnline(n: number, now = Date.now() / 1000): void {
    this.db.prepare('INSERT INTO workers_online (slot, n) VALUES (?, ?) ON CONFLICT DO UPDATE SET n = max(n, excluded.n)').run(Math.floor(now / SLOT_S), n);
  }

  /** The workers online noted since `from` (unix s): each 15 s slot's most, by its start. */
  workersOnline(from: number): Array<{ at: number; n: number }> {
    return (this.db.prepare('SELECT slot, n FROM workers_online WHERE slot >= ? ORDER BY slot').all(Math.floor(from / SLOT_S)) as Array<{ slot: number; n: number }>)
      .map((r) => ({ at: r.slot * SLOT_S, n: r.n }));
  }

  /** When the history first saw a task (unix s), or null. */
  /** The task names among the newest `limit` tasks, without reading their rows' other fields. */
  recentNames(limit: number): string[] {
    return this.db.prepare('SELECT DISTINCT name FROM (SELECT name FROM tasks ORDER BY seen_at DESC LIMIT ?) WHERE name IS NOT NULL').pluck().all(limit) as string[];
  }

  seenAt(id: string): number | null {
    return (this.db.prepare('SELECT seen_at FROM tasks WHERE id = ?').pluck().get(id) as number | undefined) ?? null;
  }

  /**
   * Tasks first seen within `windowS` of `at` (unix s) whose group the history does not know,
   * newest first, at most `limit`: the candidates for a group met through one member (a
   * Python chord's header: its events do not say the group; each member's result does).
   */
  ungroupedNear(at: number, windowS: number, limit: number): string[] {
    return this.db.prepare('SELECT id FROM tasks WHERE seen_at BETWEEN ? AND ? AND group_id IS NULL ORDER BY seen_at DESC LIMIT ?').pluck().all(at - windowS, at + windowS, limit) as string[];
  }

  /** How many tasks are in each state (the summary bar), from the aggregates. */
  stateCounts(): Record<string, number> {
    const rows = this.db.prepare("SELECT name AS state, n FROM aggregates WHERE kind = 'state' AND n != 0").all() as Array<{ state: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /** How many tasks of a group the history holds, and how many of them have finished. */
  groupProgress(groupId: string): { total: number; done: number } {
    const row = this.db
      .prepare("SELECT count(*) AS total, coalesce(sum(state IN ('SUCCESS', 'FAILURE', 'REVOKED')), 0) AS done FROM tasks WHERE group_id = ?")
      .get(groupId) as { total: number; done: number };
    return row;
  }

  /**
   * How many tasks the history holds: the sum of its states' counts (count(*) is slow over a
   * large history, and the unfiltered list shows it on every page: see docs/performance.md).
   */
  count(): number {
    return this.db.prepare("SELECT coalesce(sum(n), 0) FROM aggregates WHERE kind = 'state'").pluck().get() as number;
  }

  /** The tasks a query matches: one page, and how many match in all. @throws QueryError */
  search(query: string, options: { offset?: number; limit?: number; sort?: SortKey } = {}): { total: number; tasks: HistoryTask[] } {
    const { from, clause, params } = this.matching(query);
    const total = clause === '' ? this.count() : (this.db.prepare(`SELECT count(*) AS n FROM ${from} ${clause}`).get(...params) as { n: number }).n;
    const tasks = this.db
      .prepare(`SELECT t.* FROM ${from} ${clause} ORDER BY ${ORDER[options.sort ?? 'seen']} LIMIT ? OFFSET ?`)
      .all(...params, options.limit ?? 100, options.offset ?? 0) as HistoryTask[];
    return { total, tasks };
  }

  /** The ids a query matches, newest first, at most `limit` ("select all matching"). @throws QueryError */
  ids(query: string, limit: number): string[] {
    const { from, clause, params } = this.matching(query);
    return this.db.prepare(`SELECT t.id FROM ${from} ${clause} ORDER BY t.seen_at DESC LIMIT ?`).pluck().all(...params, limit) as string[];
  }

  /**
   * One chunk of what a query matches, newest first, after the last row of the chunk before
   * (keyset paging: a million rows are read a chunk at a time, never all at once). @throws QueryError
   */
  exportChunk(query: string, after: { seen: number; rowid: number } | null, limit: number): Array<HistoryTask & { rowid: number }> {
    const { from, clause, params } = this.matching(query);
    const keyset = after ? `${clause ? `${clause} AND` : 'WHERE'} (t.seen_at < ? OR (t.seen_at = ? AND t.rowid < ?))` : clause;
    return this.db
      .prepare(`SELECT t.*, t.rowid AS rowid FROM ${from} ${keyset} ORDER BY t.seen_at DESC, t.rowid DESC LIMIT ?`)
      .all(...params, ...(after ? [after.seen, after.seen, after.rowid] : []), limit) as Array<HistoryTask & { rowid: number }>;
  }

  /** A query as SQL: the tables, the WHERE clause ('' for none) and its parameters. @throws QueryError */
  private matching(query: string): { from: string; clause: string; params: unknown[] } {
    const q = parseQuery(query);
    if (!q.fts) return { from: 'tasks t', clause: q.where.length ? `WHERE ${q.where.join(' AND ')}` : '', params: q.params };
    // The index, and the tasks whose text is not in it yet (in flight: few, found by their
    // partial index), each word found in their text as the index would find its prefix. A
    // search reads; it never indexes (the feed is the history's one writer).
    const inText = q.words.map(() => `instr(${NOT_INDEXED_TEXT}, lower(?)) > 0`).join(' AND ');
    const matches = `t.rowid IN (SELECT rowid FROM tasks_text WHERE tasks_text MATCH ? UNION ALL SELECT rowid FROM tasks WHERE text_indexed = 0 AND ${inText})`;
    return { from: 'tasks t', clause: `WHERE ${[matches, ...q.where].join(' AND ')}`, params: [q.fts, ...q.words, ...q.params] };
  }

  /**
   * Drops tasks past the retention: older than its age, and beyond its count (oldest first).
   * @returns how many were dropped
   */
  prune(retention: Retention = DEFAULT_RETENTION, now = Date.now() / 1000): number {
    let dropped = 0;
    this.recent.clear();
    this.guarded(() => {
      const counted = 'RETURNING name, state, seen_at, runtime';
      const old = this.db.prepare(`DELETE FROM tasks WHERE seen_at < ? ${counted}`).all(now - retention.maxAgeDays * 86_400) as Counted[];
      const over = this.db.prepare(`DELETE FROM tasks WHERE rowid IN (SELECT rowid FROM tasks ORDER BY seen_at DESC LIMIT -1 OFFSET ?) ${counted}`).all(retention.maxTasks) as Counted[];
      for (const row of [...old, ...over]) this.deltas.count(row, -1);
      this.writeAggregates();
      // Slots no range reads any more, and counts come back to zero.
      for (const [width, keep] of Object.entries(KEEP_S)) {
        const kinds = width === String(SLOT_S) ? ['ok', 'fail'] : ['t', 'f', 'r'].map((k) => `${k}${width}`);
        this.db.prepare(`DELETE FROM aggregates WHERE kind IN (${kinds.map(() => '?').join(', ')}) AND slot < ?`).run(...kinds, Math.floor((now - keep) / Number(width)));
      }
      this.db.prepare('DELETE FROM aggregates WHERE n = 0').run();
      this.db.prepare('DELETE FROM workers_online WHERE slot < ?').run(Math.floor((now - KEEP_S[SLOT_S]!) / SLOT_S));
      // /metrics' label sets not counted within the retention's age go with it.
      const dropTotal = this.db.prepare('DELETE FROM metric_totals WHERE key = ?');
      for (const key of this.totals.prune(now - retention.maxAgeDays * 86_400)) dropTotal.run(key);
      this.db.prepare('DELETE FROM metric_totals WHERE n = 0').run();
      dropped = old.length + over.length;
    });
    return dropped;
  }
}

/**
 * A task as the store would hold it once these reports of it are written: its row (or a blank
 * one) with each folded in by the same rule as a write, in memory only. What a view read itself
 * is shown merged at once, while the feed writes it with its next flush.
 * @returns null when the history has no row and nothing was reported
 */
export function mergedTask(row: HistoryTask | null, id: string, reports: readonly Report[], now = Date.now() / 1000): HistoryTask | null {
  if (reports.length === 0) return row;
  const merged = row ? { ...row } : blank(id, now);
  for (const r of reports) fold(merged, r.state, r.fields as Record<string, unknown>, now);
  return merged;
}

/** Merges one report of a task into its row, in place. A blank row takes any state. */
function fold(row: HistoryTask, state: string, fields: Record<string, unknown>, now: number): void {
  const rule = mergeRule(row.state === BLANK ? null : row.state, state);
  const r = row as unknown as Record<string, unknown>;
  for (const column in fields) {
    const value = fields[column];
    if (value !== undefined && value !== null && takes(rule.keep, column as keyof HistoryTask)) r[column] = value;
  }
  if (rule.state !== null) row.state = rule.state;
  row.updated_at = now;
}

/** A row being merged in a batch: where it is stored (null: new) and the text it was indexed with. */
interface Folded {
  row: HistoryTask;
  rowid: number | null;
  /** The stored values (COLUMNS' order), to write back only the columns that changed. */
  stored: readonly unknown[] | null;
  text: Array<string | null> | null;
  /** A retried task's runs, read when one of its events is folded (null: not read). */
  runs: HistoryAttempt[] | null;
  runsChanged: boolean;
}

/** The columns an update may write (all but the id and when the task was first seen), as indexes of COLUMNS. */
const UPDATED_AT = COLUMNS.map((_, i) => i).filter((i) => COLUMNS[i] !== 'id' && COLUMNS[i] !== 'seen_at');
const UPDATED_AT_COLUMN = COLUMNS.indexOf('updated_at');

const textOf = (row: HistoryTask): Array<string | null> => TEXT_COLUMNS.map((c) => row[c] as string | null);

/** The state of a row nothing has reported on yet. */
const BLANK = '';

/**
 * A row of the table as a HistoryTask. Written out as one literal so every row has one hidden
 * class: rows built with Object.fromEntries (or with a property deleted) were dictionaries, and
 * reading their fields in the write loop was a third of what an event cost.
 */
function rowOf(v: readonly unknown[]): HistoryTask {
  return {
    id: v[0] as string, name: v[1] as string | null, state: v[2] as string, args: v[3] as string | null, kwargs: v[4] as string | null,
    result: v[5] as string | null, exception: v[6] as string | null, traceback: v[7] as string | null, worker: v[8] as string | null,
    queue: v[9] as string | null, retries: v[10] as number | null, eta: v[11] as string | null, expires: v[12] as string | null,
    parent_id: v[13] as string | null, root_id: v[14] as string | null, group_id: v[15] as string | null,
    received_at: v[16] as number | null, started_at: v[17] as number | null, succeeded_at: v[18] as number | null,
    failed_at: v[19] as number | null, runtime: v[20] as number | null, seen_at: v[21] as number, updated_at: v[22] as number,
    progress_current: v[23] as number | null, progress_total: v[24] as number | null,
  };
}

const NULLS: readonly null[] = COLUMNS.map(() => null);

function blank(id: string, now: number): HistoryTask {
  const row = rowOf(NULLS);
  row.id = id;
  row.state = BLANK;
  row.seen_at = now;
  row.updated_at = now;
  return row;
}
