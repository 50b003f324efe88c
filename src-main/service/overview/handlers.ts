import { listQueues } from '../../core/broker/queue-list.js';
import { previewRetries, retryTasks } from '../tasks/task-retry.js';
import { DeadLetters } from '../../core/broker/dead-letters.js';
import { failureGroups, groupIds, groupTriage } from './failure-groups.js';
import { ignoredFailures } from './ignored-failures.js';
import { overview } from './overview.js';
import { revokeTasks } from '../tasks/task-actions.js';
import { scheduledCount } from '../queues/scheduled.js';
import type { Handlers } from '../calls/handler-types.js';

export const overviewHandlers: Handlers<'overview:get' | 'summary:get' | 'failures:groups' | 'failures:triage' | 'failures:retryGroup' | 'failures:retryPreview' | 'failures:revokeGroup'> = {
  'overview:get': async (s, i) => overview(s.history, s.app.broker, await s.cluster.workers(), i.range),
  'failures:groups': (s, i) => failureGroups(s.history, { includeIgnored: i.includeIgnored }),
  // The mark is written by the history's one writer (its feed); the group's triage is then read back.
  'failures:triage': (s, i) => groupTriage(s.history, i.key, s.history.markTriage(i.key, i.state)),
  'failures:retryGroup': (s, i) => retryTasks(s.app, groupIds(s.history, i.key, 'FAILURE'), { history: s.history }),
  'failures:retryPreview': (s, i) => previewRetries(s.app, groupIds(s.history, i.key, 'FAILURE'), { history: s.history }),
  'failures:revokeGroup': (s, i) => revokeTasks(s.app, groupIds(s.history, i.key, 'RETRY'), false),
  'summary:get': async (s, i) => {
    const states = s.history.stateCounts();
    const n = (state: string): number => states[state] ?? 0;
    const failedIgnored = i.includeIgnored ? 0 : Math.min(n('FAILURE'), ignoredFailures(s.history, n('FAILURE')));
    const [queues, scheduled, dead] = await Promise.all([listQueues(s.app.broker), scheduledCount(s.app), new DeadLetters(s.app.broker).count()]);
    return {
      processed: n('SUCCESS') + n('FAILURE'),
      failed: n('FAILURE') - failedIgnored,
      failedIgnored,
      active: n('STARTED') + n('PROGRESS'),
      retrying: n('RETRY'),
      queued: queues.reduce((sum, q) => sum + q.depth, 0),
      scheduled,
      dead,
    };
  },
};
