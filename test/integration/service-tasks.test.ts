import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';
import { TASKS } from '../helpers/worker.js';

let redis: Redis;
let app: App;
// The control room's app writes records of what it sends; a worker runs the tasks.
useRedisSuite((s) => ({ redis, app } = s), { app: { taskRecords: true }, worker: { concurrency: 1, name: 'svc@test' } });

const service = (): ConnectionService => new ConnectionService(app);

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
    expect(retried.ok && retried.value.errors[0]).toMatchObject({ id: 'no-such-task', code: 'unknown_task', message: expect.stringMatching(/no record, stored result or event/) });
    expect(await first.get({ timeout: 10_000 })).toBe('ok on attempt 2');
    const detail = await service().call('tasks:get', { id: first.id });
    expect(detail.ok && detail.value.attempts.map((a) => [a.state, a.retries])).toEqual([['FAILURE', 0], ['SUCCESS', 1]]);
    expect(detail.ok && detail.value.record).toMatchObject({ state: 'SUCCESS', retries: 1 });
  });

  it('retries, or revokes, every task a search matches ("select all matching")', async () => {
    const svc = service();
    await svc.start();
    try {
      const keys = [uniqueName('a'), uniqueName('b')];
      const sent = await Promise.all(keys.map((k) => app.sendTask('tasks.flaky_once', [k])));
      await Promise.all(sent.map((r) => r.get({ timeout: 10_000 }).catch(() => undefined)));
      await until(async () => {
        const r = await svc.call('tasks:search', { query: 'state:FAILURE name:tasks.flaky_once' });
        return r.ok && sent.every((s) => r.value.tasks.some((t) => t.id === s.id));
      });
      const r = await svc.call('tasks:retryMatching', { query: 'state:FAILURE name:tasks.flaky_once' });
      expect(r.ok && [...r.value.retried].sort()).toEqual(expect.arrayContaining(sent.map((s) => s.id)));
      expect(await Promise.all(sent.map((s) => s.get({ timeout: 10_000 })))).toEqual(['ok on attempt 2', 'ok on attempt 2']);

      // Queued where no worker listens: revoked by a search, all of them.
      const queue = uniqueName('parked');
      const parked = await Promise.all([1, 2, 3].map((n) => app.sendTask('tasks.add', [n, n], {}, { queue })));
      await until(async () => {
        const r = await svc.call('tasks:search', { query: `queue:${queue}` });
        return r.ok && r.value.total === 3;
      });
      const revoked = await svc.call('tasks:revokeMatching', { query: `queue:${queue} state:PENDING` });
      expect(revoked.ok && [...revoked.value.revoked].sort()).toEqual(parked.map((p) => p.id).sort());
      for (const p of parked) expect(await redis.zscore('celeriac:revoked', p.id)).not.toBeNull();
      expect(await svc.call('tasks:retryMatching', { query: 'state:' })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^search: state: needs a value/) } });
    } finally {
      await svc.stop();
    }
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

/** A process's parent, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('service: the hosted worker pool', () => {
  it('starts on a task module, lists its declared tasks with their parameters, and stops', async () => {
    const svc = service();
    try {
      // Its own queue: the suite's worker (which has no built-in tasks) must not take these.
      const queue = uniqueName('hosted');
      const started = await svc.call('pool:start', { modules: [TASKS], concurrency: 1, queues: [queue] });
      expect(started).toMatchObject({ ok: true, value: { running: true, concurrency: 1, modules: [TASKS] } });
      const declared = await svc.call('tasks:declared', {});
      expect(declared.ok && declared.value.find((t) => t.name === 'tasks.greet')).toMatchObject({
        queue: 'celery', params: [{ name: 'who', type: 'string' }, { name: 'times', default: 1 }, { name: 'style', enum: ['plain', 'loud'] }],
      });
      // The built-in tasks are always there, and they run.
      expect(declared.ok && declared.value.find((t) => t.name === 'checksum')).toMatchObject({ params: [{ name: 'path', type: 'file' }, { name: 'algorithm', default: 'sha256' }] });
      const file = join(mkdtempSync(join(tmpdir(), 'celeriac-')), 'data.bin');
      writeFileSync(file, 'x'.repeat(100_000));
      const sum = await app.sendTask('checksum', [file, 'sha256'], {}, { queue });
      expect(await sum.get({ timeout: 10_000 })).toBe(createHash('sha256').update('x'.repeat(100_000)).digest('hex'));
      // Its worker runs in a process of its own, the pool's children below that: not in this one.
      const echo = await app.sendTask('tasks.echo', [], {}, { queue });
      const { pid } = (await echo.get({ timeout: 10_000 })) as { pid: number };
      const hostedWorker = parentOf(pid);
      expect(hostedWorker).not.toBe(process.pid);
      expect(parentOf(hostedWorker)).toBe(process.pid);
      const missing = await app.sendTask('checksum', [`${file}.missing`], {}, { queue });
      await expect(missing.get({ timeout: 10_000 })).rejects.toMatchObject({ message: `input file not found: ${file}.missing` });
      expect(await svc.call('pool:start', { modules: ['no/such.ts'] })).toMatchObject({ ok: false, error: { code: 'E_FAILED', message: expect.stringMatching(/cannot find the task module/) } });
    } finally {
      expect(await svc.call('pool:stop', {})).toMatchObject({ ok: true, value: { running: false } });
      await svc.stop();
    }
  });
});

describe('service: the task list', () => {
  it('lists tasks newest first, searches them, and stays live without polling Redis', async () => {
    const svc = service();
    await svc.start();
    try {
      const changes: string[] = [];
      svc.onEvent((event, data) => {
        if (event === 'tasks:changed') changes.push(...(data as Array<{ id: string; state: string }>).map((t) => `${t.id}:${t.state}`));
      });
      const queue = uniqueName('listq');
      // A few ms apart: the list's order is the time first seen, in ms.
      const tick = (): Promise<unknown> => new Promise((r) => setTimeout(r, 5));
      const ok = await app.sendTask('tasks.add', [40, 2], {}, { queue: 'celery' });
      await tick();
      const bad = await app.sendTask('tasks.fail', ['needle in the error']);
      await tick();
      const waiting = await app.sendTask('tasks.add', [7, 7], {}, { queue });
      await ok.get({ timeout: 10_000 });
      await bad.get({ timeout: 10_000 }).catch(() => undefined);
      // Events and record announcements come on two subscriptions, each read in its own bursts.
      await until(() => changes.includes(`${bad.id}:FAILURE`) && changes.includes(`${ok.id}:SUCCESS`) && changes.includes(`${waiting.id}:PENDING`));

      const all = await svc.call('tasks:search', {});
      if (!all.ok) throw new Error(all.error.message);
      const ids = all.value.tasks.map((t) => t.id);
      expect(ids.indexOf(waiting.id)).toBeLessThan(ids.indexOf(ok.id)); // newest first
      // Known only from its record's announcement: the page reads its record for the rest.
      expect(all.value.tasks.find((t) => t.id === waiting.id)).toMatchObject({ state: 'PENDING', queue, name: 'tasks.add', args: '(7, 7)' });

      const failures = await svc.call('tasks:search', { query: 'state:FAILURE' });
      expect(failures.ok && failures.value.tasks.map((t) => t.id)).toContain(bad.id);
      expect(failures.ok && failures.value.tasks.every((t) => t.state === 'FAILURE')).toBe(true);
      const text = await svc.call('tasks:search', { query: 'NEEDLE' });
      expect(text.ok && text.value.tasks.map((t) => t.id)).toEqual([bad.id]);
      const byQueue = await svc.call('tasks:search', { query: `queue:${queue}` });
      expect(byQueue.ok && byQueue.value).toMatchObject({ total: 1, tasks: [{ id: waiting.id }] });
      const page = await svc.call('tasks:search', { offset: 1, limit: 1 });
      expect(page.ok && page.value.tasks).toHaveLength(1);
      expect(page.ok && page.value.tasks[0]!.id).toBe(ids[1]);
    } finally {
      await svc.stop();
    }
  });
});
