import type { App } from '../core/app.js';
import type { SendOptions } from '../core/protocol/build.js';

/** A task's record, attempts and result. */
export async function getTask(app: App, id: string): Promise<Pick<TaskDetail, 'record' | 'attempts' | 'meta'>> {
  const [record, attempts, meta] = await Promise.all([app.records.read(id), app.records.attempts(id), app.asyncResult(id).info()]);
  return { record, attempts, meta };
}

// Retries live in task-retry.ts (their plans in retry-plan.ts); callers of this module keep importing them here.
export { previewRetries, retryTasks } from './task-retry.js';
import type { TaskDetail } from './contract/types/tasks.js';
export type { TaskDetail };

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
