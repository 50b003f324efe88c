import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { ControlRoomService } from '../../src-main/service/service.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';

let redis: Redis;
let app: App;
// The control room's app writes records of what it sends; a worker runs the tasks.
useRedisSuite((s) => ({ redis, app } = s), { app: { taskRecords: true }, worker: { concurrency: 1, name: 'svc@test' } });

const service = (): ControlRoomService => new ControlRoomService(app);

describe('service: tasks', () => {
  it('submits a task from the form and shows its detail once it ran', async () => {
    const submitted = await service().call('tasks:submit', { name: 'tasks.add', args: [2, 3] });
    if (!submitted.ok) throw new Error(submitted.error.message);
    await app.asyncResult(submitted.value.id).get({ timeout: 10_000 });
    const detail = await service().call('tasks:get', { id: submitted.value.id });
    expect(detail.ok && detail.value).toMatchObject({ record: { state: 'SUCCESS', name: 'tasks.add', result: '5', worker: 'svc@test' }, meta: { status: 'SUCCESS', result: 5 }, attempts: [] });
  });

  it('retries a failed task from its original message, keeping both attempts', async () => {
    const key = uniqueName('attempt');
    // Fails once (attempt 1), then succeeds: the retry button's use case.
    const first = await app.sendTask('tasks.flaky_once', [key]);
    await first.get({ timeout: 10_000 }).catch(() => undefined);
    expect((await service().call('tasks:get', { id: first.id })).ok).toBe(true);
    const retried = await service().call('tasks:retry', { ids: [first.id, 'no-such-task'] });
    expect(retried.ok && retried.value.retried).toEqual([first.id]);
    expect(retried.ok && retried.value.errors[0]).toMatchObject({ id: 'no-such-task', message: expect.stringMatching(/kept no message/) });
    expect(await first.get({ timeout: 10_000 })).toBe('ok on attempt 2');
    const detail = await service().call('tasks:get', { id: first.id });
    expect(detail.ok && detail.value.attempts.map((a) => [a.state, a.retries])).toEqual([['FAILURE', 0], ['SUCCESS', 1]]);
    expect(detail.ok && detail.value.record).toMatchObject({ state: 'SUCCESS', retries: 1 });
  });

  it('revokes tasks', async () => {
    const queue = uniqueName('later');
    const r = await app.sendTask('tasks.add', [1, 1], {}, { queue });
    expect(await service().call('tasks:revoke', { ids: [r.id] })).toEqual({ ok: true, value: { revoked: [r.id] } });
    expect(await redis.zscore('celeriac:revoked', r.id)).not.toBeNull();
  });

  it('refuses a submit whose arguments are not JSON-shaped', async () => {
    expect(await service().call('tasks:submit', { name: 'tasks.add', args: 'nope' })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT', issues: [{ path: 'args' }] } });
    expect(await service().call('tasks:submit', { name: 'tasks.add', priority: 12 })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
  });
});
