import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import type { Worker } from '../../src-main/core/worker/worker.js';
import { runCli } from '../helpers/cli.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { startWorker } from '../helpers/worker.js';
import { until } from '../helpers/until.js';

let server: RedisServer;
let redis: Redis;
let app: App;
let worker: Worker;
useRedisSuite((s) => ({ server, redis, app, worker } = s), { worker: { concurrency: 2, name: 'rc@test' } });

describe('remote control', () => {
  it('answers ping, registered, stats and active', async () => {
    expect(await app.control.ping()).toEqual({ 'rc@test': { ok: 'pong' } });
    const registered = (await app.control.broadcast('registered'))['rc@test'] as string[];
    expect(registered).toContain('tasks.add');
    const running = await app.sendTask('tasks.sleep', [800]);
    await new Promise((r) => setTimeout(r, 300));
    const active = (await app.control.broadcast('active'))['rc@test'] as Array<{ id: string; name: string }>;
    expect(active).toEqual([expect.objectContaining({ id: running.id, name: 'tasks.sleep', hostname: 'rc@test' })]);
    expect((await app.control.broadcast('stats'))['rc@test']).toMatchObject({ pid: process.pid, prefetch_count: 8, sw_ident: 'celeriac' });
    await running.get({ timeout: 10_000 });
    // Nothing is left behind: the reply binding and lists are removed.
    expect(await redis.smembers('_kombu.binding.reply.celery.pidbox')).toEqual([]);
  });

  it('honours the casts a monitor sends: heartbeat (one now, freq 5) and enable_events / disable_events', async () => {
    const sub = server.client();
    const seen: Array<{ channel: string; body: Record<string, unknown> }> = [];
    sub.on('pmessage', (_p: string, channel: string, message: string) => {
      const env = JSON.parse(message) as { body: string };
      seen.push({ channel, body: JSON.parse(Buffer.from(env.body, 'base64').toString()) as Record<string, unknown> });
    });
    await sub.psubscribe('/0.celeryev/*');
    await app.control.cast('heartbeat');
    await until(() => seen.some((e) => e.channel === '/0.celeryev/worker.heartbeat' && e.body.freq === 5));
    const beat = seen.find((e) => e.body.freq === 5)!.body;
    expect(beat).toMatchObject({ hostname: 'rc@test', type: 'worker-heartbeat', sw_ident: 'celeriac' });
    expect(beat).not.toHaveProperty('active');

    // Started without -E: no task events until a monitor asks.
    await (await app.sendTask('tasks.add', [1, 1])).get({ timeout: 5000 });
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.some((e) => e.channel === '/0.celeryev/task.multi')).toBe(false);
    await app.control.cast('enable_events');
    await until(async () => (await app.control.broadcast('enable_events'))['rc@test'] !== undefined);
    await (await app.sendTask('tasks.add', [2, 2])).get({ timeout: 5000 });
    await until(() => seen.some((e) => e.channel === '/0.celeryev/task.multi'));
    expect(await app.control.broadcast('disable_events')).toEqual({ 'rc@test': { ok: 'task events disabled' } });
    await sub.punsubscribe();
  });

  it('only the named destination answers', async () => {
    expect(await app.control.ping({ destination: ['nobody@nowhere'], timeout: 300 })).toEqual({});
    expect(await app.control.ping({ destination: ['rc@test'] })).toEqual({ 'rc@test': { ok: 'pong' } });
  });

  it('discards a revoked task when it arrives, even on a worker started later', async () => {
    const queue = uniqueName('revoke');
    const list = uniqueName('ran');
    const r = await app.sendTask('tasks.record', [list, 'x'], {}, { queue, countdown: 0.5 });
    expect(await app.control.revoke([r.id])).toEqual({ 'rc@test': { ok: `tasks ${r.id} flagged as revoked` } });
    const later = await startWorker(server.url, { concurrency: 1, queues: [queue] });
    try {
      await expect(r.get({ timeout: 10_000 })).rejects.toMatchObject({ name: 'TaskRevokedError', message: 'revoked' });
      expect(await redis.llen(list)).toBe(0);
    } finally {
      await later.stop();
    }
  });

  it('terminates a running task on revoke --terminate', async () => {
    const r = await app.sendTask('tasks.sleep', [5000]);
    await new Promise((res) => setTimeout(res, 300));
    await app.control.revoke([r.id], { terminate: true });
    await expect(r.get({ timeout: 10_000 })).rejects.toMatchObject({ name: 'TaskRevokedError', message: 'terminated' });
  });

  it('is on the CLI: inspect and revoke', async () => {
    const ping = await runCli(['inspect', 'ping', '-b', server.url]);
    expect(ping.stdout).toContain('-> rc@test: OK');
    expect(ping.stdout).toContain('"ok": "pong"');
    expect(ping.stdout).toContain('1 node online.');
    const none = await runCli(['inspect', 'ping', '-d', 'nobody@x', '-t', '0.3', '-b', server.url]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/No nodes replied within time constraint/);
    const revoke = await runCli(['revoke', 'some-id', '-b', server.url]);
    expect(revoke.stdout).toContain('flagged as revoked');
    expect(worker.options.name).toBe('rc@test');
  });
});
