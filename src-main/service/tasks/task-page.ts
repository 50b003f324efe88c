/**
 * What a task's page shows: the task merged once, by the history's one rule (Celery's
 * precedence), from the history's row, its record and its stored result, so the page and the
 * list say the same state; the page renders it and merges nothing. The record and the stored
 * result it read are merged here in memory for the answer, and handed to the history's feed
 * (its one writer), which writes them (at once, or after what it holds of the task) and tells
 * the lists when they changed a row: the handler writes nothing itself, and a task that only
 * its stored result knows of (a Python worker sending no events) is listed as the page shows it.
 */
import type { TaskDetail } from '../contract/types/tasks.js';
import type { App } from '../../core/app.js';
import type { ResultMeta } from '../../core/backend/result-meta.js';
import { mergedTask } from '../history/history-store.js';
import type { HistoryFace } from '../history/history-reader.js';
import { sourceReports } from '../history/task-sources.js';

/** A task's record, attempts and result. */
async function getTask(app: App, id: string): Promise<Pick<TaskDetail, 'record' | 'attempts' | 'meta'>> {
  const [record, attempts, meta] = await Promise.all([app.records.read(id), app.records.attempts(id), app.asyncResult(id).info()]);
  return { record, attempts, meta };
}

export async function taskPage(app: App, history: HistoryFace, id: string): Promise<TaskDetail> {
  const { record, attempts, meta } = await getTask(app, id);
  const reports = sourceReports(id, record, meta);
  history.handToFeed(reports);
  const task = mergedTask(history.get(id), id, reports);
  return {
    record, attempts, meta, history: task, runs: history.attempts(id),
    state: task?.state || 'PENDING',
    failure: task?.state === 'FAILURE' ? failureReason(meta.result) ?? task.exception : null,
    progress: task?.state === 'PROGRESS' ? storedProgress(meta) : null,
    links: history.resendLinks(id),
  };
}

/** A FAILURE's stored exception (NotRegistered, a dead letter's DecodeError, …) as one line. */
function failureReason(result: unknown): string | null {
  const r = result as { exc_type?: unknown; exc_message?: unknown } | null;
  if (!r || typeof r.exc_type !== 'string') return null;
  const message = Array.isArray(r.exc_message) ? r.exc_message.map(String).join(', ') : String(r.exc_message ?? '');
  return `${r.exc_type}: ${message}`;
}

/** The progress a running task stored (Celery's custom PROGRESS state, its result `{current, total}`). */
function storedProgress(meta: ResultMeta): { current: number; total: number } | null {
  if (meta.status !== 'PROGRESS' || typeof meta.result !== 'object' || meta.result === null) return null;
  const p = meta.result as { current?: unknown; total?: unknown };
  return { current: Number(p.current ?? 0), total: Number(p.total ?? 1) };
}
