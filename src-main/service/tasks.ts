import type { App } from '../core/app.js';
import type { ResultMeta } from '../core/backend/result-meta.js';
import type { SendOptions } from '../core/protocol/build.js';
import type { Attempt, TaskRecord } from '../core/records/task-record.js';
import type { HistoryTask } from './history/history-store.js';
import type { HistoryAttempt } from './history/attempts.js';

/**
 * Everything the task detail view shows: the task merged once by the history's rule, which the
 * page renders, and the raw parts it shows as they are (the record's priority and batch, the
 * stored result's value and traceback, the record's attempts).
 */
export interface TaskDetail {
  /**
   * The task as the history merges it (events, Python workers' included, the record and the
   * stored result folded in by one rule): what the list shows, and the page too. Null: no
   * source knows the task.
   */
  history: HistoryTask | null;
  /** Its state, merged: PENDING when no source knows the task. */
  state: string;
  /** Why a FAILURE failed: its stored exception (`Type: message`), else the one the history keeps; null otherwise. */
  failure: string | null;
  /** A PROGRESS task's stored progress (Celery's custom state), or null. */
  progress: { current: number; total: number } | null;
  /** A retried task's runs from its events, oldest first (none for a task run once). */
  runs: HistoryAttempt[];
  record: TaskRecord | null;
  /** Runs beyond a first success, oldest first. */
  attempts: Attempt[];
  /** The result backend's meta (PENDING when there is none). */
  meta: ResultMeta;
}

/** A task's record, attempts and result. */
export async function getTask(app: App, id: string): Promise<Pick<TaskDetail, 'record' | 'attempts' | 'meta'>> {
  const [record, attempts, meta] = await Promise.all([app.records.read(id), app.records.attempts(id), app.asyncResult(id).info()]);
  return { record, attempts, meta };
}

// Retries live in task-retry.ts (their plans in retry-plan.ts); callers of this module keep importing them here.
export { previewRetries, retryTasks } from './task-retry.js';

/** Revokes tasks, 1,000 per broadcast; with `terminate`, running ones are stopped. */
export async function revokeTasks(app: App, ids: readonly string[], terminate: boolean, timeout = 500): Promise<{ revoked: string[] }> {
  for (let i = 0; i < ids.length; i += 1000) await app.control.revoke(ids.slice(i, i + 1000), { terminate, timeout });
  return { revoked: [...ids] };
}

/** Sends a task from the submit form (or raw JSON for tasks only a remote worker knows). */
export async function submitTask(
  app: App, name: string, args: unknown[], kwargs: Record<string, unknown>, options: Pick<SendOptions, 'queue' | 'priority' | 'countdown'>,
): Promise<{ id: string }> {
  const r = await app.sendTask(name, args, kwargs, options);
  return { id: r.id };
}
