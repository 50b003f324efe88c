import { DeadLetters } from '../../core/broker/dead-letters.js';
import { failureGroups, groupIds } from '../failure-groups.js';
import { listQueues } from '../queues.js';
import { overview } from '../overview.js';
import { previewRetries, retryTasks, revokeTasks } from '../tasks.js';
import { listScheduled, runScheduledNow, scheduledCount } from '../scheduled.js';
import type { Handlers } from './types.js';

export const overviewHandlers: Handlers<'overview:get' | 'summary:get' | 'scheduled:list' | 'scheduled:runNow' | 'failures:groups' | 'failures:retryGroup' | 'failures:retryPreview' | 'failures:revokeGroup'> = {
  'overview:get': async (s, i) => overview(s.history, s.app.broker, await s.cluster.workers(), i.range),
  'failures:groups': (s) => failureGroups(s.history),
  'failures:retryGroup': (s, i) => retryTasks(s.app, groupIds(s.history, i.key, 'FAILURE'), { history: s.history }),
  'failures:retryPreview': (s, i) => previewRetries(s.app, groupIds(s.history, i.key, 'FAILURE'), { history: s.history }),
  'failures:revokeGroup': (s, i) => revokeTasks(s.app, groupIds(s.history, i.key, 'RETRY'), false),
  'summary:get': async (s) => {
    const states = s.history.stateCounts();
    const n = (state: string): number => states[state] ?? 0;
    const [queues, scheduled, dead] = await Promise.all([listQueues(s.app.broker), scheduledCount(s.app), new DeadLetters(s.app.broker).count()]);
    return {
      processed: n('SUCCESS') + n('FAILURE'),
      failed: n('FAILURE'),
      active: n('STARTED') + n('PROGRESS'),
      retrying: n('RETRY'),
      queued: queues.reduce((sum, q) => sum + q.depth, 0),
      scheduled,
      dead,
    };
  },
  'scheduled:list': (s) => listScheduled(s.app),
  'scheduled:runNow': (s, i) => runScheduledNow(s.app, i.tag),
};
