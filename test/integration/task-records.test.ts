import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import { useRedisSuite } from '../helpers/suite.js';
import { TaskRecords } from '../../src-main/core/records/record-store.js';
import { parseRecord, type TaskRecord } from '../../src-main/core/records/task-record.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';

let server: RedisServer;
let redis: Redis;
let app: App;

useRedisSuite((s) => ({ server, redis, app } = s), { app: { taskRecords: true }, worker: { concurrency: 2, name: 'rec@test' } });

async function record(id: string): Promise<TaskRecord> {
  return JSON.parse((await redis.hget('celeriac:records', id))!) as TaskRecord;
}

describe('task records', () => {
  it('are written with the message, in the same round trip, by single and bulk sends (taskRecords: true)', async () => {
    const queue = uniqueName('idle');
    const one = await app.sendTask('tasks.add', [1, 2], {}, { queue, priority: 3 });
    const many = await app.sendMany([{ name: 'tasks.add', args: [3, 4], options: { queue } }]);
    // A pending task's stored record is its message; parseRecord reads both forms.
    const stored = (await redis.hget('celeriac:records', one.id))!;
    expect(JSON.parse(stored).headers.id).toBe(one.id);
    expect(parseRecord(stored)).toMatchObject({ id: one.id, name: 'tasks.add', queue, state: 'PENDING', argsrepr: '(1, 2)', priority: 3, retries: 0 });
    expect(parseRecord((await redis.hget('celeriac:records', many[0]!.id))!)).toMatchObject({ state: 'PENDING', argsrepr: '(3, 4)' });
    expect(await redis.zscore('celeriac:records:index', one.id)).not.toBeNull();
  });

  it('are written before a bulk send pushes the messages: a worker that runs one at once keeps its outcome', async () => {
    const queue = uniqueName('order');
    const monitor = await redis.duplicate().monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(`${args[0]!.toLowerCase()} ${args[1]}`));
    await app.sendMany([1, 2, 3].map((n) => ({ name: 'tasks.add', args: [n, n], options: { queue } })));
    await new Promise((r) => setTimeout(r, 100));
    monitor.disconnect();
    const written = commands.indexOf('hset celeriac:records');
    expect(written).toBeGreaterThanOrEqual(0);
    expect(written).toBeLessThan(commands.findIndex((c) => c.startsWith('lpush ') && c.includes(queue)));
  });

  it('follow the task: STARTED while it runs, then the outcome, with every attempt kept', async () => {
    const long = await app.sendTask('tasks.sleep', [600]);
    await new Promise((r) => setTimeout(r, 400));
    expect(await record(long.id)).toMatchObject({ state: 'STARTED', worker: 'rec@test' });
    await long.get({ timeout: 10_000 });
    expect(await record(long.id)).toMatchObject({ state: 'SUCCESS', result: '600', worker: 'rec@test' });

    const key = uniqueName('attempts');
    const flaky = await app.sendTask('tasks.flaky', [key, 1]);
    await flaky.get({ timeout: 10_000 });
    const attempts = (await redis.lrange(`celeriac:attempts:${flaky.id}`, 0, -1)).map((a) => JSON.parse(a));
    expect(attempts.map((a) => [a.state, a.retries])).toEqual([['RETRY', 0], ['SUCCESS', 1]]);
    expect(attempts[0].error).toEqual({ type: 'FlakyError', message: 'attempt 1 failed' });
    expect(await redis.ttl(`celeriac:attempts:${flaky.id}`)).toBeGreaterThan(80_000);
  });

  it('carry the progress a running task reports', async () => {
    const r = await app.sendTask('tasks.progress', [4, 150]);
    let seen: TaskRecord | null = null;
    for (let i = 0; i < 100 && !seen; i++) {
      const rec = await redis.hget('celeriac:records', r.id);
      const parsed = rec ? parseRecord(rec) : null;
      if (parsed?.state === 'PROGRESS') seen = parsed;
      else await new Promise((res) => setTimeout(res, 20));
    }
    expect(seen).toMatchObject({ state: 'PROGRESS', progress: { current: expect.any(Number), total: 4 } });
    await r.get({ timeout: 10_000 });
    expect(await record(r.id)).toMatchObject({ state: 'SUCCESS' });
  });

  it('keep the original message of a failed task, so it can be sent again', async () => {
    const r = await app.sendTask('tasks.fail', ['kept']);
    await r.get({ timeout: 10_000 }).catch(() => undefined);
    const rec = await record(r.id);
    expect(rec).toMatchObject({ state: 'FAILURE', error: { type: 'ValueError', message: 'kept' } });
    expect(JSON.parse(rec.message!).headers.id).toBe(r.id);
  });

  it('are written by the worker for tasks sent without one (the default, and Python producers)', async () => {
    const py = createApp({ broker: server.url });
    const r = await py.sendTask('tasks.add', [5, 5]);
    expect(await redis.hexists('celeriac:records', r.id)).toBe(0);
    await r.get({ timeout: 10_000 });
    expect(await record(r.id)).toMatchObject({ state: 'SUCCESS', result: '10' });
    await py.close();
  });

  it('stay bounded by the cap and by age', async () => {
    const records = new TaskRecords(redis);
    await redis.del('celeriac:records', 'celeriac:records:index');
    const now = Date.now();
    for (let i = 0; i < 50; i++) await redis.multi().hset('celeriac:records', `r${i}`, '{}').zadd('celeriac:records:index', now - (50 - i) * 1000, `r${i}`).exec();
    expect(await records.trim(30_500, 1000)).toBe(20);
    expect(await records.trim(0, 10)).toBe(20);
    expect(await redis.hlen('celeriac:records')).toBe(10);
    expect(await redis.zrange('celeriac:records:index', 0, 0)).toEqual(['r40']);
  });
});
