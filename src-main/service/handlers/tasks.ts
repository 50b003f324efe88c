import type { App } from '../../core/app.js';
import { QueryError } from '../history/query.js';
import { getTask, retryTask, submitTask } from '../tasks.js';
import type { Handlers } from './types.js';

/** Sends each task again, reporting the ones that cannot be (no message kept). */
async function retryAll(app: App, ids: string[]): Promise<{ retried: string[]; errors: Array<{ id: string; message: string }> }> {
  const retried: string[] = [];
  const errors: Array<{ id: string; message: string }> = [];
  for (const id of ids) {
    await retryTask(app, id).then(
      () => retried.push(id),
      (err: unknown) => errors.push({ id, message: (err as Error).message }),
    );
  }
  return { retried, errors };
}

export const taskHandlers: Handlers<'tasks:list' | 'tasks:search' | 'tasks:get' | 'tasks:retry' | 'tasks:retryFailed' | 'tasks:revoke' | 'tasks:submit' | 'tasks:declared'> = {
  'tasks:list': (s, { offset, limit, ...filter }) => s.tasks.list(filter, offset, limit),
  'tasks:search': (s, i) => {
    if (!s.history) throw new Error('this control room keeps no history');
    try {
      return s.history.search(i.query, { offset: i.offset, limit: i.limit, sort: i.sort });
    } catch (err) {
      if (err instanceof QueryError) throw new Error(`search: ${err.message}`);
      throw err;
    }
  },
  'tasks:get': async (s, i) => ({ ...(await getTask(s.app, i.id)), history: s.history?.get(i.id) ?? null }),
  'tasks:retry': (s, i) => retryAll(s.app, i.ids),
  'tasks:retryFailed': async (s, i) => {
    const failed = await s.tasks.list({ state: 'FAILURE', name: i.name }, 0, Number.MAX_SAFE_INTEGER);
    return retryAll(s.app, failed.tasks.map((t) => t.id));
  },
  'tasks:revoke': async (s, i) => {
    await s.app.control.revoke(i.ids, { terminate: i.terminate, timeout: 500 });
    return { revoked: i.ids };
  },
  'tasks:submit': (s, i) => submitTask(s.app, i.name, i.args, i.kwargs, { queue: i.queue, priority: i.priority, countdown: i.countdown }),
  'tasks:declared': (s) => s.pool.tasks(),
};
