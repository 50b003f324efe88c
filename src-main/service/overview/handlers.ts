import { listQueues } from '../../core/broker/queue-list.js';
import { previewRetries, retryTasks } from '../tasks/task-retry.js';
import { DeadLetters } from '../../core/broker/dead-letters.js';
import { failureGroups, groupIds } from './failure-groups.js';
import { overview } from './overview.js';
import { revokeTasks } from '../tasks/task-actions.js';
import { scheduledCount } from '../queues/scheduled.js';
import type { Handlers } from '../calls/handler-types.js';

export const overviewHandlers: Handlers<'overview:get' | 'summary:get' | 'failures:groups' | 'failures:retryGroup' | 'failures:retryPreview' | 'failures:revokeGroup'> = {
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
};
