/**
 * The beat on a real Redis: redbeat's layout, Celery's semantics (first run one interval after
 * creation, a missed run sent once), one leader among several, exactly one send per due run,
 * a leader killed with -9 replaced, and nothing sent twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { typedDatetime } from '../../src-main/core/beat/schedule.js';
import { Beat } from '../../src-main/core/beat/beat.js';
import { BeatStore } from '../../src-main/core/beat/beat-store.js';
import { entryMessage, runEntryNow } from '../../src-main/core/beat/send-entry.js';
import { decodeTaskMessage } from '../../src-main/core/protocol/decode.js';
import { CLI } from '../helpers/cli.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';
import { fileURLToPath } from 'node:url';

let server: RedisServer;
let redis: Redis;
useRedisSuite((s) => ({ server, redis } = s));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ids = async (queue: string): Promise<string[]> => (await redis.lrange(queue, 0, -1)).map((raw) => {
  const d = decodeTaskMessage(raw);
  if (!d.ok) throw new Error(d.error.message);
  return d.message.id;
});
/** Every beat a test starts, stopped after it even when it fails (a leaked one would lead the next test). */
const started: Beat[] = [];
const track = (b: Beat): Beat => (started.push(b), b);
afterEach(async () => {
  await Promise.all(started.splice(0).map((b) => b.stop()));
  await redis.flushall();
});
const meta = async (name: string) => JSON.parse((await redis.hget(`redbeat:${name}`, 'meta'))!) as { total_run_count: number };

describe('beat', () => {
  it('stores entries as celery-redbeat does, and sends an every entry first one interval after it is made', async () => {
    const app = createApp({ broker: server.url });
    const queue = uniqueName('beatq');
    app.periodic('every-2s', { task: 'tasks.add', every: 2, args: [1, 2], options: { queue, expires: 10 } });
    const beat = track(new Beat(app, { maxInterval: 0.2 }));
    const made = Date.now();
    await beat.start();
    expect(JSON.parse((await redis.hget('redbeat:every-2s', 'definition'))!)).toEqual({
      name: 'every-2s', task: 'tasks.add', args: [1, 2], kwargs: {}, options: { queue, expires: 10 },
      schedule: { __type__: 'interval', every: 2, relative: false }, enabled: true,
    });
    expect(JSON.parse((await redis.hget('redbeat:every-2s', 'meta'))!)).toMatchObject({ last_run_at: { __type__: 'datetime', timezone: 0 }, total_run_count: 0 });
    expect(await redis.smembers('celeriac:beat:statics')).toEqual(['every-2s']);
    expect(Number(await redis.zscore("redbeat::schedule", "redbeat:every-2s"))).toBe(Math.floor((made + 2000) / 1000));
    await until(async () => (await redis.llen(queue)) === 1, 5000);
    expect(Date.now() - made).toBeGreaterThanOrEqual(1900);
    const [raw] = await redis.lrange(queue, 0, -1);
    const msg = decodeTaskMessage(raw!);
    expect(msg.ok && msg.message).toMatchObject({ task: 'tasks.add', args: [1, 2], routingKey: queue, parentId: null });
    expect(msg.ok && msg.message.expires).not.toBeNull();
    expect(await redis.hget('redbeat:every-2s', 'celeriac_last')).toBe(msg.ok && msg.message.id);
    expect(await beat.store.leader()).toMatchObject({ name: expect.stringContaining('celeriac-beat@'), pid: process.pid });
    await beat.stop();
    expect(await redis.exists('redbeat::lock')).toBe(0);
    await app.close();
    await redis.flushall();
  });

  it('sends a run missed while no beat ran once, not once per missed interval', async () => {
    const app = createApp({ broker: server.url });
    const queue = uniqueName('missed');
    // Every minute, the last run ten minutes ago: the next one after the catch-up is far off.
    app.periodic('missed', { task: 'tasks.add', every: 60, options: { queue } });
    const beat = track(new Beat(app, { maxInterval: 0.2 }));
    await beat.store.syncDeclared(app.periodicEntries);
    // As if the last run were a minute ago and the beat was down since.
    await redis.hset('redbeat:missed', 'meta', JSON.stringify({ last_run_at: typedDatetime(Date.now() - 600_000), total_run_count: 7 }));
    await redis.zadd('redbeat::schedule', Math.floor(Date.now() / 1000) - 540, 'redbeat:missed');
    await beat.start();
    await until(async () => (await redis.llen(queue)) >= 1, 5000);
    await sleep(1500);
    expect(await redis.llen(queue)).toBe(1);
    expect((await meta('missed')).total_run_count).toBe(8);
    expect(Number(await redis.zscore('redbeat::schedule', 'redbeat:missed')) * 1000).toBeGreaterThan(Date.now());
    await beat.stop();
    await app.close();
    await redis.flushall();
  });

  it('runs an entry now with every option the beat sends it with, its due time unchanged', async () => {
    const app = createApp({ broker: server.url });
    const queue = uniqueName('now');
    const store = new BeatStore(redis);
    await store.save('nightly', { task: 'tasks.add', cron: { minute: '0', hour: '3' }, args: [1, 2], options: { queue, priority: 3, time_limit: 30, soft_time_limit: 20, expires: 60 } });
    const due = await redis.zscore('redbeat::schedule', 'redbeat:nightly');
    const { id } = await runEntryNow(app, 'nightly');
    const [raw] = await redis.lrange(`${queue}\x06\x163`, 0, -1);
    const sent = decodeTaskMessage(raw!);
    expect(sent.ok && sent.message).toMatchObject({ id, task: 'tasks.add', args: [1, 2], routingKey: queue, priority: 3, timelimit: [30, 20] });
    expect(sent.ok && sent.message.expires).not.toBeNull();
    const entry = await store.get('nightly');
    // The same message the beat builds for it, id aside.
    expect(entry && !('error' in entry) && { ...entryMessage(app, entry), id }).toMatchObject({ routingKey: queue, priority: 3, timelimit: [30, 20] });
    expect(entry).toMatchObject({ lastTaskId: id });
    expect(await redis.zscore('redbeat::schedule', 'redbeat:nightly')).toBe(due);
    await expect(runEntryNow(app, 'no-such')).rejects.toThrow(/no periodic entry no-such/);
    await app.close();
  });

  it('skips a disabled entry, and an enabled-again one is due from then on', async () => {
    const app = createApp({ broker: server.url });
    const queue = uniqueName('off');
    const beat = track(new Beat(app, { maxInterval: 0.2 }));
    await beat.store.save('off', { task: 'tasks.add', every: 1, options: { queue }, enabled: false });
    await beat.start();
    await sleep(2500);
    expect(await redis.llen(queue)).toBe(0);
    await beat.store.setEnabled('off', true);
    await until(async () => (await redis.llen(queue)) === 1, 5000);
    await beat.stop();
    await app.close();
    await redis.flushall();
  });

  it('with two beats on one schedule, one leads and every due run is sent exactly once', async () => {
    const queue = uniqueName('two');
    const apps = [createApp({ broker: server.url }), createApp({ broker: server.url })];
    for (const a of apps) a.periodic('tick', { task: 'tasks.add', every: 1, options: { queue } });
    const beats = apps.map((a, i) => track(new Beat(a, { name: `beat-${i}`, maxInterval: 0.1, standbyRetry: 0.1 })));
    await Promise.all(beats.map((b) => b.start()));
    await sleep(5500);
    expect(beats.filter((b) => b.stats.leading)).toHaveLength(1);
    const sent = await ids(queue);
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent.length).toBe((await meta('tick')).total_run_count);
    expect(sent.length).toBeGreaterThanOrEqual(3); // a loaded machine delays ticks; never more than one send per second
    expect(sent.length).toBeLessThanOrEqual(6);
    await Promise.all(beats.map((b) => b.stop()));
    await Promise.all(apps.map((a) => a.close()));
    await redis.flushall();
  }, 20_000);

  it('replaces a leader killed with -9 within its lock timeout, sending nothing twice', async () => {
    const queue = uniqueName('killed');
    const MODULE = fileURLToPath(new URL('../fixtures/tasks/beat-schedule.ts', import.meta.url));
    const start = (name: string): ChildProcess => spawn(process.execPath, [CLI, 'beat', '-A', MODULE, '-b', server.url, '-n', name, '--lock-timeout', '3', '--max-interval', '0.5'], {
      env: { ...process.env, BEAT_TEST_QUEUE: queue }, stdio: 'ignore',
    });
    const a = start('beat-a');
    let b: ChildProcess | null = null;
    try {
      await until(async () => (await redis.get('celeriac:beat:leader'))?.includes('beat-a') ?? false, 15_000);
      b = start('beat-b');
      await until(async () => (await redis.llen(queue)) >= 2, 10_000);
      a.kill('SIGKILL');
      const killed = Date.now();
      await until(async () => (await redis.get('celeriac:beat:leader'))?.includes('beat-b') ?? false, 30_000);
      expect(Date.now() - killed).toBeLessThan(30_000);
      const before = await redis.llen(queue);
      await until(async () => (await redis.llen(queue)) >= before + 2, 10_000);
      b.kill('SIGTERM');
      await new Promise((r) => b!.once('exit', r));
      const sent = await ids(queue);
      expect(new Set(sent).size).toBe(sent.length);
      expect(sent.length).toBe((await meta('tick')).total_run_count);
    } finally {
      a.kill('SIGKILL');
      b?.kill('SIGKILL');
      await redis.flushall();
    }
  }, 60_000);
});
