import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { useRedisSuite } from '../helpers/suite.js';
import { decodeTaskMessage } from '../../src-main/core/protocol/decode.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { startWorker } from '../helpers/worker.js';

let server: RedisServer;
let redis: Redis;
let app: App;

useRedisSuite((s) => ({ server, redis, app } = s), { worker: { concurrency: 2 } });

describe('retries', () => {
  it('retries automatically on the declared errors, then succeeds, under the same id', async () => {
    const key = uniqueName('attempts');
    const states: string[] = [];
    const r = await app.sendTask('tasks.flaky', [key, 2]);
    const out = await r.get({ timeout: 15_000, onUpdate: (m) => states.push(m.status) });
    expect(out).toEqual({ attempts: 3, retries: 2 });
    expect(states.filter((s) => s === 'RETRY').length).toBeGreaterThanOrEqual(1);
    expect(await r.info()).toMatchObject({ status: 'SUCCESS', retries: 2 });
  });

  it('fails with the original error once autoretry\'s max is spent', async () => {
    const key = uniqueName('attempts');
    const r = await app.sendTask('tasks.flaky', [key, 10]);
    await expect(r.get({ timeout: 15_000 })).rejects.toMatchObject({ name: 'FlakyError', message: 'attempt 4 failed' });
    expect(await redis.get(key)).toBe('4');
  });

  it('re-publishes a retry as Celery does: same id, retries + 1, an eta, parent = itself', async () => {
    const queue = uniqueName('retryq');
    const r = await app.sendTask('tasks.manual_retry', [1], {}, { queue });
    const one = await startWorker(server.url, { concurrency: 1, queues: [queue] });
    try {
      // Catch the re-published message on its way through the schedule.
      let raw: string | undefined;
      for (let i = 0; i < 100 && !raw; i++) {
        const entries = Object.values(await redis.hgetall('celeriac:schedule:msgs'));
        raw = entries.map((e) => JSON.parse(e)[1] as string).find((m) => m.includes(r.id));
        if (!raw) await new Promise((res) => setTimeout(res, 20));
      }
      const msg = decodeTaskMessage(raw!);
      expect(msg.ok && msg.message).toMatchObject({ id: r.id, retries: 1, parentId: r.id, rootId: r.id, routingKey: queue });
      expect(msg.ok && msg.message.eta).not.toBeNull();
      expect(await r.get({ timeout: 10_000 })).toBe(1);
    } finally {
      await one.stop();
    }
  });

  it('stores RETRY with the exception and the task itself in children, as Celery does', async () => {
    const r = await app.sendTask('tasks.manual_retry', [1]);
    const retries: unknown[] = [];
    await r.get({ timeout: 10_000, onUpdate: (m) => m.status === 'RETRY' && retries.push(m) });
    expect(retries[0]).toMatchObject({ result: { exc_type: 'Error', exc_message: ['not yet (0)'] }, children: [[[r.id, null], null]] });
  });

  it('fails a manual retry past maxRetries with the given exception', async () => {
    const r = await app.sendTask('tasks.manual_retry', [5]);
    await expect(r.get({ timeout: 15_000 })).rejects.toMatchObject({ message: 'not yet (2)' });
  });
});

describe('time limits and crashes', () => {
  it('aborts the task\'s signal at the soft time limit', async () => {
    const r = await app.sendTask('tasks.soft', []);
    expect(await r.get({ timeout: 10_000 })).toBe('aborted: SoftTimeLimitExceeded');
  });

  it('kills the child at the hard time limit, fails the task, and keeps serving with a new child', async () => {
    const before = await app.sendTask<{ pid: number }>('tasks.echo', []);
    await before.get({ timeout: 10_000 });
    const r = await app.sendTask('tasks.spin', []);
    await expect(r.get({ timeout: 10_000 })).rejects.toMatchObject({ name: 'TimeLimitExceeded' });
    const after = await Promise.all(Array.from({ length: 4 }, () => app.sendTask<{ pid: number }>('tasks.echo', [])));
    const pids = await Promise.all(after.map((a) => a.get({ timeout: 10_000 }).then((v) => v.pid)));
    expect(pids.every((p) => p > 0)).toBe(true);
  });

  it('hands back, not fails, the other tasks of a child killed for one task\'s time limit', async () => {
    const queue = uniqueName('shared-child');
    const list = uniqueName('ran');
    const one = await startWorker(server.url, { concurrency: 1, perChild: 2, childConcurrency: 2, queues: [queue] });
    try {
      const bystander = await app.sendTask('tasks.record', [list, 'bystander', 1500], {}, { queue });
      const culprit = await app.sendTask('tasks.spin', [], {}, { queue });
      await expect(culprit.get({ timeout: 10_000 })).rejects.toMatchObject({ name: 'TimeLimitExceeded' });
      expect(await bystander.get({ timeout: 10_000 })).toBe('bystander');
      expect(await redis.lrange(list, 0, -1)).toEqual(['bystander']);
    } finally {
      await one.stop();
    }
  });

  it('hands back, not fails, a task still waiting in a child that crashed', async () => {
    const queue = uniqueName('waiting');
    const list = uniqueName('ran');
    const one = await startWorker(server.url, { concurrency: 1, perChild: 2, queues: [queue] });
    try {
      const crash = await app.sendTask('tasks.crash', [], {}, { queue });
      const waiting = await app.sendTask('tasks.record', [list, 'waited'], {}, { queue });
      await expect(crash.get({ timeout: 10_000 })).rejects.toMatchObject({ name: 'WorkerLostError' });
      expect(await waiting.get({ timeout: 10_000 })).toBe('waited');
      expect(await redis.lrange(list, 0, -1)).toEqual(['waited']);
    } finally {
      await one.stop();
    }
  });

  it('fails the task of a child that crashed (WorkerLostError) and replaces the child', async () => {
    const r = await app.sendTask('tasks.crash', []);
    await expect(r.get({ timeout: 10_000 })).rejects.toMatchObject({ name: 'WorkerLostError', message: expect.stringContaining('exited with code 3') });
    expect(await (await app.sendTask('tasks.add', [1, 2])).get({ timeout: 10_000 })).toBe(3);
  });

  it('replaces a child after maxTasksPerChild tasks', async () => {
    const queue = uniqueName('mtpc');
    const one = await startWorker(server.url, { concurrency: 1, queues: [queue], maxTasksPerChild: 2 });
    try {
      const pids: number[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await app.sendTask<{ pid: number }>('tasks.echo', [], {}, { queue });
        pids.push((await r.get({ timeout: 10_000 })).pid);
      }
      expect(pids[0]).toBe(pids[1]);
      expect(pids[2]).toBe(pids[3]);
      expect(pids[2]).not.toBe(pids[0]);
    } finally {
      await one.stop();
    }
  });
});
