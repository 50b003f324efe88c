import type { App } from '../../core/app.js';
import { MATCHING_LIMIT } from '../contract.js';
import type { HistoryStore } from '../history/history-store.js';
import { QueryError } from '../history/query.js';
import { withRecords } from '../history/record-fields.js';
import { getTask, retryTask, submitTask } from '../tasks.js';
import type { Handlers, ServiceParts } from './types.js';

/** Sends each task again, reporting the ones that cannot be (no message kept). */
async function retryAll(s: ServiceParts, ids: readonly string[]): Promise<{ retried: string[]; errors: Array<{ id: string; message: string }> }> {
  const retried: string[] = [];
  const errors: Array<{ id: string; message: string }> = [];
  for (let i = 0; i < ids.length; i += 100) {
    await Promise.all(ids.slice(i, i + 100).map((id) => retryTask(s.app, id, s.records).then(
      () => retried.push(id),
      (err: unknown) => errors.push({ id, message: (err as Error).message }),
    )));
  }
  return { retried, errors };
}

async function revokeAll(app: App, ids: readonly string[], terminate: boolean): Promise<{ revoked: string[] }> {
  for (let i = 0; i < ids.length; i += 1000) await app.control.revoke(ids.slice(i, i + 1000), { terminate, timeout: 500 });
  return { revoked: [...ids] };
}

/** Runs a search, its language's errors said as the caller's mistake. */
function searching<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof QueryError) throw new Error(`search: ${err.message}`);
    throw err;
  }
}

/** Every id a search matches ("select all matching"), newest first, at most MATCHING_LIMIT. */
function matching(history: HistoryStore, query: string): string[] {
  return searching(() => history.ids(query, MATCHING_LIMIT));
}

export const taskHandlers: Handlers<'tasks:search' | 'tasks:get' | 'tasks:retry' | 'tasks:retryMatching' | 'tasks:revoke' | 'tasks:revokeMatching' | 'tasks:submit' | 'tasks:declared'> = {
  'tasks:search': async (s, i) => {
    const found = searching(() => s.history.search(i.query, { offset: i.offset, limit: i.limit, sort: i.sort }));
    return { total: found.total, all: s.history.count(), tasks: await withRecords(s.history, s.records, found.tasks) };
  },
  'tasks:get': async (s, i) => ({ ...(await getTask(s.app, s.records, i.id)), history: s.history.get(i.id) }),
  'tasks:retry': (s, i) => retryAll(s, i.ids),
  'tasks:retryMatching': (s, i) => retryAll(s, matching(s.history, i.query)),
  'tasks:revoke': (s, i) => revokeAll(s.app, i.ids, i.terminate),
  'tasks:revokeMatching': (s, i) => revokeAll(s.app, matching(s.history, i.query), i.terminate),
  'tasks:submit': (s, i) => submitTask(s.app, i.name, i.args, i.kwargs, { queue: i.queue, priority: i.priority, countdown: i.countdown }),
  'tasks:declared': (s) => s.pool.tasks(),
};
