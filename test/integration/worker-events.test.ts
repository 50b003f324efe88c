import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { useRedisSuite } from '../helpers/suite.js';
import { decodeEvents, type CeleryEvent } from '../../src-main/core/events/envelope.js';
import { type RedisServer } from '../helpers/redis-server.js';
import { startWorker } from '../helpers/worker.js';
import { until } from '../helpers/until.js';
import { Cluster } from '../../src-main/service/cluster/cluster.js';

let server: RedisServer;
let redis: Redis;
let app: App;
useRedisSuite((s) => ({ server, redis, app } = s));

describe('Celery events', () => {
  it('announces the worker and, with -E, each task, on Celery\'s channels', async () => {
    const sub = server.client();
    const events: Array<CeleryEvent & { channel: string }> = [];
    sub.on('pmessage', (_p: string, channel: string, message: string) => events.push(...decodeEvents(message).map((e) => ({ ...e, channel }))));
    await sub.psubscribe('/0.celeryev/*');
    const worker = await startWorker(server.url, { concurrency: 1, events: true, name: 'ev@test' });
    const ok = await app.sendTask('tasks.add', [2, 3]);
    await ok.get({ timeout: 10_000 });
    const bad = await app.sendTask('tasks.fail', ['nope']);
    await bad.get({ timeout: 10_000 }).catch(() => undefined);
    expect(JSON.parse((await redis.hget('celeriac:workers:info', 'ev@test'))!)).toMatchObject({ pool: 'process', concurrency: 1, freq: 2 });
    await worker.stop();
    await new Promise((r) => setTimeout(r, 100));

    const types = events.map((e) => e.type);
    expect(types[0]).toBe('worker-online');
    expect(types.at(-1)).toBe('worker-offline');
    const mine = events.filter((e) => e.uuid === ok.id);
    expect(mine.map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
    expect(mine[0]).toMatchObject({ name: 'tasks.add', args: '(2, 3)', kwargs: '{}', hostname: 'ev@test', channel: '/0.celeryev/task.multi' });
    expect(mine[2]).toMatchObject({ result: '5' });
    expect(events.find((e) => e.uuid === bad.id && e.type === 'task-failed')).toMatchObject({ exception: "ValueError('nope')" });
    expect(events.find((e) => e.type === 'worker-online')).toMatchObject({ channel: '/0.celeryev/worker.online', sw_ident: 'celeriac', freq: 2, active: 0 });
    const clocks = events.map((e) => e.clock);
    expect(clocks).toEqual([...clocks].sort((a, b) => a - b));
    expect(await redis.zscore('celeriac:workers', 'ev@test')).toBeNull();
  });

  it('batches task events between worker events: the room reads every task\'s, those still buffered at the stop before worker-offline', async () => {
    const room: CeleryEvent[] = [];
    const cluster = new Cluster(app, (events) => room.push(...events));
    await cluster.start();
    const sub = server.client();
    const messages: string[] = [];
    sub.on('pmessage', (_p: string, channel: string) => messages.push(channel.split('/').at(-1)!));
    await sub.psubscribe('/0.celeryev/*');
    // No flush by the timer: task events go out only before a worker event (a heartbeat) and at the stop.
    const worker = await startWorker(server.url, { concurrency: 2, events: true, name: 'batched@test', taskEventFlushMs: 600_000 });
    const ok = await Promise.all(Array.from({ length: 10 }, (_, i) => app.sendTask('tasks.add', [i, i])));
    const bad = await app.sendTask('tasks.fail', ['batched']);
    await Promise.all(ok.map((r) => r.get({ timeout: 10_000 })));
    await bad.get({ timeout: 10_000 }).catch(() => undefined);
    await worker.stop();
    const mine = (): CeleryEvent[] => room.filter((e) => e.hostname === 'batched@test');
    await until(() => mine().some((e) => e.type === 'worker-offline'));
    cluster.stop();
    sub.disconnect();

    const seen = mine();
    for (const r of ok) expect(seen.filter((e) => e.uuid === r.id).map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
    expect(seen.filter((e) => e.uuid === bad.id).map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-failed']);
    expect(seen.at(-1)!.type).toBe('worker-offline');
    const clocks = seen.map((e) => e.clock);
    expect(clocks).toEqual([...clocks].sort((a, b) => a - b));
    // Each task.multi went out ahead of a heartbeat, or at the stop (ahead of worker-offline).
    const batches = messages.filter((m) => m === 'task.multi').length;
    const firstBatch = messages.indexOf('task.multi');
    const beatsSince = messages.slice(firstBatch).filter((m) => m === 'worker.heartbeat').length;
    expect(batches).toBeLessThanOrEqual(beatsSince + 1);
    expect(cluster.state.list().find((w) => w.hostname === 'batched@test')).toMatchObject({ offline: true, software: 'celeriac' });
  });

  it('sends no task events without -E, but heartbeats still', async () => {
    const sub = server.client();
    const types: string[] = [];
    sub.on('pmessage', (_p: string, _c: string, message: string) => types.push(...decodeEvents(message).map((e) => e.type)));
    await sub.psubscribe('/0.celeryev/*');
    const worker = await startWorker(server.url, { concurrency: 1 });
    await (await app.sendTask('tasks.add', [1, 1])).get({ timeout: 10_000 });
    await worker.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(types).toEqual(['worker-online', 'worker-offline']);
  });
});
