/**
 * The control room's task history: one SQLite database per connection profile (better-sqlite3),
 * every task it learns of, from Celery's events, Celeriac's records and the result backend,
 * merged by Celery's state precedence (merge.ts); searched with the query language
 * (query.ts) and FTS5; bounded by a retention (rows and age), pruned in the background.
 *
 * It is the control room's memory, not Redis's: reading the history costs Redis nothing.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CeleryEvent } from '../../core/events/envelope.js';
import { mergeFields, stateOfEvent } from './merge.js';
import { parseQuery } from './query.js';

/** A task as the history keeps it (times in unix seconds). */
export interface HistoryTask {
  id: string;
  name: string | null;
  state: string;
  args: string | null;
  kwargs: string | null;
  result: string | null;
  exception: string | null;
  traceback: string | null;
  worker: string | null;
  queue: string | null;
  retries: number | null;
  eta: string | null;
  expires: string | null;
  parent_id: string | null;
  root_id: string | null;
  group_id: string | null;
  received_at: number | null;
  started_at: number | null;
  succeeded_at: number | null;
  failed_at: number | null;
  runtime: number | null;
  seen_at: number;
  updated_at: number;
}

const COLUMNS = ['id', 'name', 'state', 'args', 'kwargs', 'result', 'exception', 'traceback', 'worker', 'queue', 'retries', 'eta', 'expires', 'parent_id', 'root_id', 'group_id', 'received_at', 'started_at', 'succeeded_at', 'failed_at', 'runtime', 'seen_at', 'updated_at'] as const;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tasks (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  name TEXT, state TEXT NOT NULL, args TEXT, kwargs TEXT, result TEXT, exception TEXT, traceback TEXT,
  worker TEXT, queue TEXT, retries INTEGER, eta TEXT, expires TEXT, parent_id TEXT, root_id TEXT, group_id TEXT,
  received_at REAL, started_at REAL, succeeded_at REAL, failed_at REAL, runtime REAL,
  seen_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_seen ON tasks(seen_at);
CREATE INDEX IF NOT EXISTS tasks_state_seen ON tasks(state, seen_at);
CREATE INDEX IF NOT EXISTS tasks_name_seen ON tasks(name, seen_at);
CREATE INDEX IF NOT EXISTS tasks_state_name_seen ON tasks(state, name, seen_at);
CREATE VIRTUAL TABLE IF NOT EXISTS tasks_fts USING fts5(id, name, args, kwargs, result, exception, traceback, content='tasks', content_rowid='rowid');
-- The number of tasks, kept by the triggers: count(*) over a million rows is 50 ms, and the
-- unfiltered list (the first screen) shows it on every page.
CREATE TABLE IF NOT EXISTS counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT OR IGNORE INTO counts VALUES ('tasks', (SELECT count(*) FROM tasks));
CREATE TRIGGER IF NOT EXISTS tasks_count_ai AFTER INSERT ON tasks BEGIN UPDATE counts SET n = n + 1 WHERE name = 'tasks'; END;
CREATE TRIGGER IF NOT EXISTS tasks_count_ad AFTER DELETE ON tasks BEGIN UPDATE counts SET n = n - 1 WHERE name = 'tasks'; END;
CREATE TRIGGER IF NOT EXISTS tasks_ai AFTER INSERT ON tasks BEGIN
  INSERT INTO tasks_fts(rowid, id, name, args, kwargs, result, exception, traceback) VALUES (new.rowid, new.id, new.name, new.args, new.kwargs, new.result, new.exception, new.traceback);
END;
CREATE TRIGGER IF NOT EXISTS tasks_ad AFTER DELETE ON tasks BEGIN
  INSERT INTO tasks_fts(tasks_fts, rowid, id, name, args, kwargs, result, exception, traceback) VALUES ('delete', old.rowid, old.id, old.name, old.args, old.kwargs, old.result, old.exception, old.traceback);
END;
CREATE TRIGGER IF NOT EXISTS tasks_au AFTER UPDATE ON tasks BEGIN
  INSERT INTO tasks_fts(tasks_fts, rowid, id, name, args, kwargs, result, exception, traceback) VALUES ('delete', old.rowid, old.id, old.name, old.args, old.kwargs, old.result, old.exception, old.traceback);
  INSERT INTO tasks_fts(rowid, id, name, args, kwargs, result, exception, traceback) VALUES (new.rowid, new.id, new.name, new.args, new.kwargs, new.result, new.exception, new.traceback);
END;
`;

/** The column each event type stamps with its time (Celery sets `task.<type>` to it). */
const EVENT_TIME: Record<string, keyof HistoryTask> = {
  'task-received': 'received_at',
  'task-started': 'started_at',
  'task-succeeded': 'succeeded_at',
  'task-failed': 'failed_at',
};

/** A text field from outside, cut to a size a list and a search can carry. */
const MAX_TEXT = 64 * 1024;
function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}
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
  return m[2] === undefined ? `${type}()` : `${type}('${m[2].replace(/\\/g, '\\\\').replace(/'/g, "\\'")}')`;
}

/** An event's fields, in the history's column names. */
function fieldsOf(e: CeleryEvent): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  const put = (column: string, value: unknown): void => {
    if (value !== undefined && value !== null) f[column] = value;
  };
  put('name', text(e.name));
  put('args', text(e.args));
  put('kwargs', text(e.kwargs));
  put('result', text(e.result));
  put('exception', exceptionOf(e.exception, e.traceback));
  put('traceback', text(e.traceback));
  put('worker', typeof e.hostname === 'string' && !e.type.startsWith('task-sent') ? e.hostname : undefined);
  put('queue', text(e.queue ?? e.routing_key));
  put('retries', num(e.retries));
  put('eta', text(e.eta));
  put('expires', text(e.expires));
  put('parent_id', text(e.parent_id));
  put('root_id', text(e.root_id));
  put('runtime', num(e.runtime));
  return f;
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

export class HistoryStore {
  private readonly db: Database.Database;
  private readonly read: Database.Statement<[string], HistoryTask>;
  private readonly write: Database.Statement<HistoryTask>;

  /** @param path the database file, or ':memory:' */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.read = this.db.prepare('SELECT * FROM tasks WHERE id = ?');
    const cols = COLUMNS.join(', ');
    const updates = COLUMNS.filter((c) => c !== 'id' && c !== 'seen_at').map((c) => `${c} = excluded.${c}`).join(', ');
    this.write = this.db.prepare(`INSERT INTO tasks (${cols}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')}) ON CONFLICT(id) DO UPDATE SET ${updates}`);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Takes Celery task events (worker events are ignored), in one transaction.
   * @returns the tasks whose row changed, with their state now
   */
  applyEvents(events: readonly CeleryEvent[], now = Date.now() / 1000): Array<{ id: string; state: string }> {
    // A task's events of one burst (received, started, succeeded of a short task) are folded
    // together first: one read and one write per task, not per event (the FTS index rewrites
    // a row's text on every write).
    const rows = new Map<string, HistoryTask>();
    this.db.transaction(() => {
      for (const e of events) {
        if (!e.type.startsWith('task-') || typeof e.uuid !== 'string' || e.uuid === '' || e.uuid.length > 256) continue;
        const fields = fieldsOf(e);
        const column = EVENT_TIME[e.type];
        if (column) fields[column] = num(e.timestamp) ?? now;
        let row = rows.get(e.uuid);
        if (!row) rows.set(e.uuid, (row = this.read.get(e.uuid) ?? blank(e.uuid, now)));
        fold(row, stateOfEvent(e.type), fields, now);
      }
      for (const row of rows.values()) this.write.run(row);
    })();
    return [...rows.values()].map((r) => ({ id: r.id, state: r.state }));
  }

  /** What other sources say of tasks (the backfill's batches): states and fields in the history's names, in one transaction. */
  applyMany(items: ReadonlyArray<{ id: string; state: string; fields: Partial<HistoryTask> }>, now = Date.now() / 1000): void {
    this.db.transaction(() => {
      for (const { id, state, fields } of items) this.merge(id, state, fields as Record<string, unknown>, now);
    })();
  }

  private merge(id: string, state: string, fields: Record<string, unknown>, now: number): void {
    const row = this.read.get(id) ?? blank(id, now);
    fold(row, state, fields, now);
    this.write.run(row);
  }

  get(id: string): HistoryTask | null {
    return this.read.get(id) ?? null;
  }

  count(): number {
    return (this.db.prepare("SELECT n FROM counts WHERE name = 'tasks'").get() as { n: number }).n;
  }

  /** The tasks a query matches: one page, and how many match in all. @throws QueryError */
  search(query: string, options: { offset?: number; limit?: number; sort?: SortKey } = {}): { total: number; tasks: HistoryTask[] } {
    const q = parseQuery(query);
    const from = q.fts ? 'tasks t JOIN tasks_fts f ON f.rowid = t.rowid' : 'tasks t';
    const where = [...(q.fts ? ['tasks_fts MATCH ?'] : []), ...q.where];
    const params = [...(q.fts ? [q.fts] : []), ...q.params];
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = where.length === 0 ? this.count() : (this.db.prepare(`SELECT count(*) AS n FROM ${from} ${clause}`).get(...params) as { n: number }).n;
    const tasks = this.db
      .prepare(`SELECT t.* FROM ${from} ${clause} ORDER BY ${ORDER[options.sort ?? 'seen']} LIMIT ? OFFSET ?`)
      .all(...params, options.limit ?? 100, options.offset ?? 0) as HistoryTask[];
    return { total, tasks };
  }

  /**
   * Drops tasks past the retention: older than its age, and beyond its count (oldest first).
   * @returns how many were dropped
   */
  prune(retention: Retention = DEFAULT_RETENTION, now = Date.now() / 1000): number {
    const old = this.db.prepare('DELETE FROM tasks WHERE seen_at < ?').run(now - retention.maxAgeDays * 86_400).changes;
    const over = this.db.prepare('DELETE FROM tasks WHERE rowid IN (SELECT rowid FROM tasks ORDER BY seen_at DESC LIMIT -1 OFFSET ?)').run(retention.maxTasks).changes;
    return old + over;
  }
}

/** Merges one report of a task into its row, in place. A blank row takes any state. */
function fold(row: HistoryTask, state: string, fields: Record<string, unknown>, now: number): void {
  const merged = mergeFields(row.state === BLANK ? null : row.state, state, fields);
  Object.assign(row, merged.fields);
  if (merged.state !== null) row.state = merged.state;
  row.updated_at = now;
}

/** The state of a row nothing has reported on yet. */
const BLANK = '';

function blank(id: string, now: number): HistoryTask {
  const row = Object.fromEntries(COLUMNS.map((c) => [c, null])) as unknown as HistoryTask;
  row.id = id;
  row.state = BLANK;
  row.seen_at = now;
  row.updated_at = now;
  return row;
}
