/**
 * A retry decides on the task as its page shows it: the history's row with the stored result
 * folded in by the history's rule. A row the feed has not caught up with yet (its events say
 * STARTED; the stored result already says FAILURE) must not make the page show FAILURE and a
 * retry refuse the task as "not failed".
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { buildMeta } from '../../src-main/core/backend/result-meta.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { previewRetries } from '../../src-main/service/tasks/task-retry.js';
import { useRedisSuite } from '../helpers/suite.js';

let app: App;
useRedisSuite((s) => ({ app } = s));

describe('a retry of a task whose history row is behind its stored result', () => {
  it('is planned from the merged FAILURE, not refused as STARTED', async () => {
    const id = randomUUID();
    const history = new HistoryStore(':memory:');
    const now = Date.now() / 1000;
    history.applyEvents([
      { type: 'task-received', uuid: id, name: 'tasks.add', args: '[1, 2]', kwargs: '{}', hostname: 'w@h', timestamp: now, clock: 1, local_received: now },
      { type: 'task-started', uuid: id, hostname: 'w@h', timestamp: now, clock: 2, local_received: now },
    ] as never, now);
    expect(history.get(id)?.state).toBe('STARTED');
    await app.backend.store(buildMeta(id, 'FAILURE', { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' }, { name: 'tasks.add', args: [1, 2], kwargs: {}, queue: 'celery' }));

    const preview = await previewRetries(app, [id], { history });
    expect(preview).toMatchObject({ sendable: 1, notSendable: 0 });
    history.close();
  });
});
