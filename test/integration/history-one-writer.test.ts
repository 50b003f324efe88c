/**
 * The history has one writer, its feed: what a task's page reads itself (a stored result the
 * history had not heard of) is folded in by the feed, and the lists on view are told, as for
 * every other write.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { ControlRoomService } from '../../src-main/service/service.js';
import { ok } from '../helpers/contract.js';
import { useRedisSuite } from '../helpers/suite.js';

let app: App;
useRedisSuite((s) => ({ app } = s));

describe("a task's page and the history's one writer", () => {
  it('folds a stored result the history had not heard of through the feed, and the lists hear of it', async () => {
    const svc = new ControlRoomService(app);
    await svc.start();
    try {
      const changed: Array<{ id: string; state: string }> = [];
      svc.onEvent((event, data) => {
        if (event === 'tasks:changed') changed.push(...(data as Array<{ id: string; state: string }>));
      });
      const id = randomUUID();
      await app.backend.store({ task_id: id, status: 'SUCCESS', result: 42, traceback: null, children: [], date_done: new Date().toISOString().slice(0, -1), name: 'tasks.only_stored' } as never);
      const page = await ok(svc.call('tasks:get', { id }));
      expect(page.history).toMatchObject({ id, state: 'SUCCESS', name: 'tasks.only_stored' });
      expect(changed).toContainEqual({ id, state: 'SUCCESS' });
    } finally {
      await svc.stop();
    }
  });
});
