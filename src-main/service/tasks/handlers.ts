import { previewRetries, retryTasks } from './task-retry.js';
import { MATCHING_LIMIT } from '../contract/index.js';
import type { HistoryReader } from '../history/history-reader.js';
import { QueryError } from '../history/query.js';
import { withRecords } from '../history/record-fields.js';
import { taskPage } from './task-page.js';
import { taskWorkflow } from './workflow.js';
import { revokeTasks, submitTask } from './task-actions.js';
import type { Handlers } from '../calls/handler-types.js';

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
function matching(history: HistoryReader, query: string): string[] {
  return searching(() => history.ids(query, MATCHING_LIMIT));
}

export const taskHandlers: Handlers<'tasks:search' | 'tasks:get' | 'tasks:workflow' | 'tasks:retry' | 'tasks:retryPreview' | 'tasks:retryMatching' | 'tasks:revoke' | 'tasks:revokeMatching' | 'tasks:submit'> = {
  'tasks:search': async (s, i) => {
    const found = searching(() => s.history.search(i.query, { offset: i.offset, limit: i.limit, sort: i.sort }));
    return { total: found.total, all: s.history.count(), tasks: await withRecords(s.app.records, found.tasks) };
  },
  'tasks:get': (s, i) => taskPage(s.app, s.history, i.id),
  'tasks:workflow': (s, i) => taskWorkflow(s.app, s.history, i.id),
  'tasks:retry': (s, i) => retryTasks(s.app, i.ids, { history: s.history }),
  'tasks:retryPreview': (s, i) => previewRetries(s.app, i.ids, { history: s.history }),
  'tasks:retryMatching': (s, i) => retryTasks(s.app, matching(s.history, i.query), { history: s.history }),
  'tasks:revoke': (s, i) => revokeTasks(s.app, i.ids, i.terminate),
  'tasks:revokeMatching': (s, i) => revokeTasks(s.app, matching(s.history, i.query), i.terminate),
  'tasks:submit': (s, i) => submitTask(s.app, i.name, i.args, i.kwargs, { queue: i.queue ?? s.hosted.queueFor(i.name), priority: i.priority, countdown: i.countdown }),
};
