import type { App } from '../core/app.js';
import type { ResultMeta } from '../core/backend/result-meta.js';
import { ConfigurationError } from '../core/errors.js';
import { decodeTaskMessage } from '../core/protocol/decode.js';
import type { SendOptions } from '../core/protocol/build.js';
import { randomUUID } from 'node:crypto';
import type { Attempt, TaskRecord } from '../core/records/task-record.js';
import type { HistoryTask } from './history/history-store.js';
import type { HistoryAttempt } from './history/attempts.js';

/** Everything the task detail view shows. */
export interface TaskDetail {
  record: TaskRecord | null;
  /** Runs beyond a first success, oldest first. */
  attempts: Attempt[];
  /** The result backend's meta (PENDING when there is none). */
  meta: ResultMeta;
  /**
   * The task as the history merges it (events, Python workers' included, the record and the
   * stored result folded in by one rule): what the list shows, and the page too.
   */
  history?: HistoryTask | null;
  /** A retried task's runs from its events, oldest first (none for a task run once). */
  runs?: HistoryAttempt[];
}

/** A task's record, attempts and result. */
export async function getTask(app: App, id: string): Promise<TaskDetail> {
  const [record, attempts, meta] = await Promise.all([app.records.read(id), app.records.attempts(id), app.asyncResult(id).info()]);
  return { record, attempts, meta };
}

/**
 * Sends a failed (or revoked) task again from its original message: the same id, `retries`
 * + 1, a new delivery. Its earlier attempts stay listed; its stored result is cleared so it
 * reads PENDING until the new run ends.
 * @throws ConfigurationError when the task kept no message (it did not fail, or its record expired)
 */
async function retryTask(app: App, id: string): Promise<{ id: string; queue: string }> {
  const record = await app.records.read(id);
  if (!record?.message) {
    throw new ConfigurationError(`task ${id} kept no message to send again: only failed and revoked tasks do, until their record expires`);
  }
  const decoded = decodeTaskMessage(record.message);
  if (!decoded.ok) throw new ConfigurationError(`task ${id}'s stored message cannot be decoded: ${decoded.error.message}`);
  const msg = { ...decoded.message, retries: decoded.message.retries + 1, eta: null, deliveryTag: randomUUID(), redelivered: false };
  await app.backend.forget(id);
  await app.publishMessage(msg);
  return { id, queue: msg.routingKey };
}

/** Sends each task again (100 at a time), reporting the ones that cannot be (no message kept). */
export async function retryTasks(app: App, ids: readonly string[]): Promise<{ retried: string[]; errors: Array<{ id: string; message: string }> }> {
  const retried: string[] = [];
  const errors: Array<{ id: string; message: string }> = [];
  for (let i = 0; i < ids.length; i += 100) {
    await Promise.all(ids.slice(i, i + 100).map((id) => retryTask(app, id).then(
      () => retried.push(id),
      (err: unknown) => errors.push({ id, message: (err as Error).message }),
    )));
  }
  return { retried, errors };
}

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
