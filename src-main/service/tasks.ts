import type { App } from '../core/app.js';
import type { ResultMeta } from '../core/backend/result-meta.js';
import { ConfigurationError } from '../core/errors.js';
import { decodeTaskMessage } from '../core/protocol/decode.js';
import type { SendOptions } from '../core/protocol/build.js';
import { randomUUID } from 'node:crypto';
import { TaskRecords } from '../core/records/record-store.js';
import type { Attempt, TaskRecord } from '../core/records/task-record.js';
import type { HistoryTask } from './history/history-store.js';

/** Everything the task detail view shows. */
export interface TaskDetail {
  record: TaskRecord | null;
  /** Runs beyond a first success, oldest first. */
  attempts: Attempt[];
  /** The result backend's meta (PENDING when there is none). */
  meta: ResultMeta;
  /** What the history heard of it (events, Python workers' included), when it keeps one. */
  history?: HistoryTask | null;
}

/** A task's record, attempts and result. */
export async function getTask(app: App, records: TaskRecords, id: string): Promise<TaskDetail> {
  const [record, attempts, meta] = await Promise.all([records.read(id), records.attempts(id), app.asyncResult(id).info()]);
  return { record, attempts, meta };
}

/**
 * Sends a failed (or revoked) task again from its original message: the same id, `retries`
 * + 1, a new delivery. Its earlier attempts stay listed; its stored result is cleared so it
 * reads PENDING until the new run ends.
 * @throws ConfigurationError when the task kept no message (it did not fail, or its record expired)
 */
export async function retryTask(app: App, id: string, records = new TaskRecords(app.broker)): Promise<{ id: string; queue: string }> {
  const record = await records.read(id);
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

/** Sends a task from the submit form (or raw JSON for tasks only a remote worker knows). */
export async function submitTask(
  app: App, name: string, args: unknown[], kwargs: Record<string, unknown>, options: Pick<SendOptions, 'queue' | 'priority' | 'countdown'>,
): Promise<{ id: string }> {
  const r = await app.sendTask(name, args, kwargs, options);
  return { id: r.id };
}
