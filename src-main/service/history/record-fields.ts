/**
 * Celeriac's task records in the history's terms: what an announcement says (a state and a
 * batch), and what a record read back adds (name, arguments, queue, worker, outcome, progress)
 * to tasks the history knows only by their announcements; their text cut by the one field-cut
 * rule (field-cut.ts), as events' and stored results' are.
 */
import type { HistoryTask } from '../contract/types/tasks.js';
import { pyRepr } from '../../core/protocol/pyrepr.js';
import type { TaskRecords } from '../../core/records/record-store.js';
import type { TaskRecord } from '../../core/records/task-record.js';
import type { RecordChange } from './record-feed.js';
import { mergedTask, type Changed, type HistoryStore, type Report } from './history-store.js';
import { cutFields, cutMessage, cutText, SHORT_LIMIT } from './field-cut.js';

/** An announcement as a report: its state, and its batch (a Celery group id). */
export function announcedReport(c: RecordChange): Report {
  return { id: c.id, state: cutText(c.state, SHORT_LIMIT), fields: c.group ? cutFields({ group_id: c.group }) : {} };
}

/** A record as a report, every field it has in the history's columns. */
export function recordReport(r: TaskRecord): Report {
  const fields: Partial<HistoryTask> = {};
  if (r.name) fields.name = r.name;
  if (r.argsrepr) fields.args = r.argsrepr;
  if (r.kwargsrepr) fields.kwargs = r.kwargsrepr;
  if (r.queue) fields.queue = r.queue;
  fields.retries = r.retries;
  if (r.eta) fields.eta = r.eta;
  if (r.group) fields.group_id = r.group;
  if (r.worker) fields.worker = r.worker;
  if (r.started !== undefined) fields.started_at = r.started / 1000;
  if (r.finished !== undefined) {
    if (r.state === 'SUCCESS') fields.succeeded_at = r.finished / 1000;
    if (r.state === 'FAILURE') fields.failed_at = r.finished / 1000;
  }
  if (r.runtime !== undefined) fields.runtime = r.runtime;
  if (r.result !== undefined) fields.result = r.result;
  // The message cut before its repr: a huge one is not copied whole to keep its beginning.
  if (r.error) fields.exception = `${r.error.type}(${pyRepr(cutMessage(r.error.message))})`;
  if (r.progress) {
    fields.progress_current = r.progress.current;
    fields.progress_total = r.progress.total;
  }
  // Records are written by any producer on this Redis: their text is cut as events' is.
  return { id: r.id, state: cutText(r.state, SHORT_LIMIT), fields: cutFields(fields) };
}

/**
 * Rows of a page that only announcements told of (no name yet), or whose progress moves, get
 * their records read and merged in, by the history's rule: a page's worth of reads, never the
 * whole history's. Merged for the answer only, not handed to the feed: a list reads them again
 * each time it is shown, and the feed reads the records of tasks it knows no name of itself;
 * a running task's progress, written at each reload of a list, would be told to that list as
 * news, and a list reloads on what it is told.
 * @returns the page with those rows as they are now
 */
export async function withRecords(records: TaskRecords, rows: HistoryTask[]): Promise<HistoryTask[]> {
  const wanted = new Set(rows.filter((t) => t.name === null || t.state === 'PROGRESS').map((t) => t.id));
  if (wanted.size === 0) return rows;
  const read = new Map((await records.readMany([...wanted])).map((r) => [r.id, recordReport(r)]));
  if (read.size === 0) return rows;
  return rows.map((t) => {
    const report = read.get(t.id);
    return report ? mergedTask(t, t.id, [report])! : t;
  });
}

/** Reads these tasks' records (those that have one) into the history. @returns the rows that changed */
export async function mergeRecords(store: HistoryStore, records: TaskRecords, ids: readonly string[]): Promise<Changed[]> {
  const read = await records.readMany(ids);
  return read.length === 0 ? [] : store.applyMany(read.map(recordReport));
}
