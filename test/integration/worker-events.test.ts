import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { useRedisSuite } from '../helpers/suite.js';
import { decodeEvents, type CeleryEvent } from '../../src-main/core/events/envelope.js';
import { type RedisServer } from '../helpers/redis-server.js';
import { startWorker } from '../helpers/worker.js';

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
