/**
 * A task as the history's rule merges it from what a handler read itself (its record, its stored
 * result) over the history's row: what its page shows and what a retry decides on, so the two
 * never disagree (a row the feed has not caught up with yet still says STARTED while the stored
 * result says FAILURE).
 */
import type { ResultMeta } from '../../core/backend/result-meta.js';
import type { TaskRecord } from '../../core/records/task-record.js';
import type { HistoryTask } from '../contract/types/tasks.js';
import { metaFields } from './backfill.js';
import { mergedTask, type Report } from './history-store.js';
import { recordReport } from './record-fields.js';

/** What a record and a stored result say of a task, as the feed's reports. */
export function sourceReports(id: string, record: TaskRecord | null, meta: ResultMeta | null): Report[] {
  const reports: Report[] = [];
  if (record) reports.push(recordReport(record));
  // PENDING is what the backend says of any id it has no result for: it tells nothing.
  if (meta && meta.status !== 'PENDING') reports.push({ id, state: meta.status, fields: metaFields(meta) });
  return reports;
}

/** The history's row with the record and the stored result folded in by the history's rule. */
export function mergedWithSources(row: HistoryTask | null, id: string, record: TaskRecord | null, meta: ResultMeta | null): HistoryTask | null {
  return mergedTask(row, id, sourceReports(id, record, meta));
}
