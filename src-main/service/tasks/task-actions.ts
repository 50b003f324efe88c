/** Acting on tasks from the views: revoking them (as many as a search matched) and sending one. Retries are task-retry.ts's. */
import type { App } from '../../core/app.js';
import type { SendOptions } from '../../core/protocol/build.js';

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
