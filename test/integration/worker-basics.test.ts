import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { useRedisSuite } from '../helpers/suite.js';
import type { Worker } from '../../src-main/core/worker/worker.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { startWorker } from '../helpers/worker.js';

let server: RedisServer;
let redis: Redis;
let app: App;
let worker: Worker;
useRedisSuite((s) => ({ server, redis, app, worker } = s), { worker: { concurrency: 2, queues: ['celery', 'second'] } });

describe('the worker runs tasks', () => {
  it('stores SUCCESS with the extended fields Celery writes', async () => {
    const r = await app.sendTask('tasks.add', [2, 3]);
    expect(await r.get({ timeout: 10_000 })).toBe(5);
    const meta = await r.info();
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 5, traceback: null, children: [], name: 'tasks.add', args: [2, 3], kwargs: {}, worker: worker.options.name, retries: 0, queue: 'celery', task_id: r.id });
    expect(meta.date_done).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+$/);
    expect(await redis.hlen('unacked')).toBe(0);
  });

  it('stores FAILURE as exc_type / exc_message / exc_module with the JS stack as traceback', async () => {
    const r = await app.sendTask('tasks.fail', ['boom']);
    const err = await r.get({ timeout: 10_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ValueError', message: 'boom', excModule: 'builtins' });
    expect((await r.info()).traceback).toMatch(/ValueError: boom\n\s+at /);
  });

  it('passes kwargs (as Python sends them) as a last object argument', async () => {
    const r = await app.sendTask<{ args: unknown[] }>('tasks.echo', [1], { b: 2 });
    expect((await r.get({ timeout: 10_000 })).args).toEqual([1, { b: 2 }]);
  });

  it('consumes every queue it was given', async () => {
    const r = await app.sendTask('tasks.add', [1, 1], {}, { queue: 'second' });
    expect(await r.get({ timeout: 10_000 })).toBe(2);
  });

  it('keeps no result for ignoreResult tasks, and acknowledges them', async () => {
    const r = await app.sendTask('tasks.quiet', [1]);
    const marker = await app.sendTask('tasks.add', [0, 0]);
    await marker.get({ timeout: 10_000 });
    await new Promise((res) => setTimeout(res, 200));
    expect(await r.exists()).toBe(false);
    expect(await redis.hlen('unacked')).toBe(0);
  });

  it('reports STARTED for trackStarted tasks and PROGRESS as the task goes', async () => {
    const seen: string[] = [];
    const t = await app.sendTask('tasks.tracked', [300]);
    const p = await app.sendTask('tasks.progress', [3, 150]);
    const progress: unknown[] = [];
    await Promise.all([
      t.get({ timeout: 10_000, onUpdate: (m) => seen.push(m.status) }),
      p.get({ timeout: 10_000, onUpdate: (m) => progress.push(m.result) }),
    ]);
    expect(seen).toContain('STARTED');
    expect(progress).toContainEqual({ current: 3, total: 3 });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(await p.state()).toBe('SUCCESS');
  });

  it('holds a running task\'s claim in kombu\'s unacked hash until it ends (acks late)', async () => {
    const r = await app.sendTask('tasks.sleep', [600]);
    await new Promise((res) => setTimeout(res, 250));
    const entries = await redis.hgetall('unacked');
    const mine = Object.values(entries).map((e) => JSON.parse(e)).find(([env]) => env.headers.id === r.id);
    expect(mine).toBeDefined();
    expect(mine!.slice(1)).toEqual(['', 'celery']);
    expect(await redis.zscore('unacked_index', mine![0].properties.delivery_tag)).not.toBeNull();
    await r.get({ timeout: 10_000 });
    expect(await redis.hexists('unacked', mine![0].properties.delivery_tag)).toBe(0);
  });

  it('acknowledges at the start for acksLate: false', async () => {
    const r = await app.sendTask('tasks.early_ack', [500]);
    await new Promise((res) => setTimeout(res, 250));
    expect(await r.state()).toBe('PENDING');
    expect(await redis.hlen('unacked')).toBe(0);
    expect(await r.get({ timeout: 10_000 })).toBe('done');
  });

  it('discards an expired task as REVOKED without running it', async () => {
    const list = uniqueName('ran');
    const r = await app.sendTask('tasks.record', [list, 'x'], {}, { expires: new Date(Date.now() - 1000) });
    const err = await r.get({ timeout: 10_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TaskRevokedError', message: 'expired', state: 'REVOKED' });
    expect(await redis.llen(list)).toBe(0);
  });

  it('serves priorities in kombu\'s order', async () => {
    const queue = uniqueName('prio');
    const list = uniqueName('order');
    await app.sendMany([9, 0, 5, 3, 6, 1].map((p) => ({ name: 'tasks.record', args: [list, p], options: { queue, priority: p } })));
    const one = await startWorker(server.url, { concurrency: 1, prefetch: 1, queues: [queue] });
    try {
      for (let i = 0; i < 100 && (await redis.llen(list)) < 6; i++) await new Promise((res) => setTimeout(res, 50));
    } finally {
      await one.stop();
    }
    expect((await redis.lrange(list, 0, -1)).map(Number)).toEqual([0, 1, 5, 3, 6, 9]);
  });

  it('claims once per message at low load: no empty claims while it waits, none when a task ends', async () => {
    const queue = uniqueName('idle');
    const one = await startWorker(server.url, { concurrency: 1, queues: [queue] });
    try {
      const scripts = async (): Promise<number> => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
      const before = await scripts();
      for (let i = 0; i < 40; i++) await (await app.sendTask('tasks.add', [i, i], {}, { queue })).get({ timeout: 10_000 });
      // One claim and one finish script per task, plus the odd maintenance script; an empty
      // claim after each claim and after each task's end made it four.
      expect((await scripts()) - before).toBeLessThan(40 * 2.5);
    } finally {
      await one.stop();
    }
  });

  it('under load, claims in hundreds and finishes the tasks that end together with one script', async () => {
    const queue = uniqueName('busy');
    const results = await app.sendMany(Array.from({ length: 1000 }, (_, i) => ({ name: 'tasks.add', args: [i, i], options: { queue } })));
    const scripts = async (): Promise<number> => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    const before = await scripts();
    const one = await startWorker(server.url, { pool: 'async', concurrency: 16, queues: [queue] });
    try {
      await Promise.all(results.map((r) => r.get({ timeout: 20_000 })));
      // A claim per hundred and a finish per batch of tasks ending together: a finish per task
      // would be 1,000 scripts.
      expect((await scripts()) - before).toBeLessThan(1000 * 0.3);
    } finally {
      await one.stop();
    }
  });
});
