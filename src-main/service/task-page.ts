/**
 * What a task's page shows: its record, attempts and stored result as they are now, and the
 * task as the history merges it. The record and the stored result are folded into the history
 * first, by the history's one rule (Celery's precedence), so the page and the list say the same
 * state: the page used to show the result backend's state while the list showed the events'.
 */
import type { App } from '../core/app.js';
import { metaFields } from './history/backfill.js';
import type { HistoryStore, Report } from './history/history-store.js';
import { recordReport } from './history/record-fields.js';
import { getTask, type TaskDetail } from './tasks.js';

export async function taskPage(app: App, history: HistoryStore, id: string): Promise<TaskDetail> {
  const detail = await getTask(app, id);
  const reports: Report[] = [];
  if (detail.record) reports.push(recordReport(detail.record));
  // PENDING is what the backend says of any id it has no result for: it tells nothing.
  if (detail.meta.status !== 'PENDING') reports.push({ id, state: detail.meta.status, fields: metaFields(detail.meta) });
  try {
    if (reports.length > 0) history.applyMany(reports);
  } catch {
    // The history cannot write now (its status says why): the page shows what it holds.
  }
  return { ...detail, history: history.get(id), runs: history.attempts(id) };
}
