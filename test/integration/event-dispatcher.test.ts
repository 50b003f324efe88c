import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventDispatcher, MAX_HELD_EVENTS } from '../../src-main/core/events/dispatcher.js';
import { decodeEvents, type CeleryEvent } from '../../src-main/core/events/envelope.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

/** A worker's event dispatcher on a real Redis: how task events are grouped, ordered and kept. */
describe('the event dispatcher', () => {
  let server: RedisServer;
  let sub: Redis;
  /** Every message heard on the event channels: its channel and its events. */
  let heard: Array<{ channel: string; events: CeleryEvent[] }>;
  beforeAll(async () => {
    server = await startRedisServer();
    sub = server.client();
    sub.on('pmessage', (_p: string, channel: string, message: string) => heard.push({ channel, events: decodeEvents(message) }));
    await sub.psubscribe('/0.celeryev/*');
  });
  afterAll(async () => {
    sub.disconnect();
    await server.stop();
  });
  const fresh = (): void => {
    heard = [];
  };
  const taskEvents = (): CeleryEvent[] => heard.filter((m) => m.channel.endsWith('/task.multi')).flatMap((m) => m.events);
  const send = (d: EventDispatcher, n: number, from = 0): void => {
    for (let i = from; i < from + n; i++) d.sendTaskEvent('task-succeeded', `t${i}`, { result: String(i), runtime: 0.001 });
  };

  it('sends the task events of several turns of the event loop as one task.multi once flushMs has passed', async () => {
    fresh();
    const redis = server.client();
    const d = new EventDispatcher(redis, 0, 'w@one', true, { flushMs: 300, bufferLimit: 1000 });
    for (let turn = 0; turn < 10; turn++) {
      send(d, 3, turn * 3);
      await new Promise((r) => setImmediate(r));
    }
    await until(() => taskEvents().length === 30);
    expect(heard.map((m) => m.events.length)).toEqual([30]);
    expect(taskEvents().map((e) => e.uuid)).toEqual(Array.from({ length: 30 }, (_, i) => `t${i}`));
    redis.disconnect();
  });

  it('sends at once when bufferLimit events are buffered, and the rest when flushed', async () => {
    fresh();
    const redis = server.client();
    const d = new EventDispatcher(redis, 0, 'w@two', true, { flushMs: 60_000, bufferLimit: 5 });
    send(d, 12);
    await until(() => taskEvents().length === 10);
    expect(d.pending).toBe(2);
    await d.close();
    await until(() => taskEvents().length === 12);
    expect(heard.map((m) => m.events.length)).toEqual([5, 5, 2]);
    redis.disconnect();
  });

  it('sends the task events buffered before a worker event, so the stream keeps the Lamport clock order', async () => {
    fresh();
    const redis = server.client();
    await redis.ping(); // connected: each publish leaves as it is sent
    const d = new EventDispatcher(redis, 0, 'w@three', true, { flushMs: 60_000 });
    send(d, 3);
    await d.sendWorkerEvent('worker-offline', { freq: 2 });
    await until(() => heard.length === 2);
    expect(heard.map((m) => m.channel)).toEqual(['/0.celeryev/task.multi', '/0.celeryev/worker.offline']);
    const clocks = heard.flatMap((m) => m.events.map((e) => e.clock));
    expect(clocks).toEqual([1, 2, 3, 4]);
    redis.disconnect();
  });

  it('keeps the events of a publish that failed and sends them with the next flush, never throwing', async () => {
    fresh();
    // No offline queue: a command sent while disconnected fails at once, as one does once ioredis gives up retrying.
    const redis = new Redis(server.url, { enableOfflineQueue: false, lazyConnect: true });
    const warnings: string[] = [];
    const d = new EventDispatcher(redis, 0, 'w@four', true, { flushMs: 60_000, log: { warn: (m) => warnings.push(m), info: () => undefined } });
    send(d, 4);
    await expect(d.flush()).resolves.toBeUndefined();
    expect(d.failedPublishes).toBe(1);
    expect(d.pending).toBe(4);
    send(d, 2, 4);
    await d.flush();
    expect(warnings).toHaveLength(1); // said once for the outage, not once per message
    await redis.connect().catch(() => undefined); // the failed publish may have begun connecting already
    await until(() => redis.status === 'ready');
    await d.flush();
    await until(() => taskEvents().length === 6);
    expect(taskEvents().map((e) => e.uuid)).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
    expect(d.dropped).toBe(0);
    redis.disconnect();
  });

  it('holds at most MAX_HELD_EVENTS while publishing fails, dropping the oldest and counting them', async () => {
    const redis = new Redis(server.url, { enableOfflineQueue: false, lazyConnect: true });
    const d = new EventDispatcher(redis, 0, 'w@five', true, { flushMs: 60_000, bufferLimit: 1000, log: { warn: () => undefined, info: () => undefined } });
    send(d, MAX_HELD_EVENTS + 1500);
    await d.close(); // a failure after close is not tried again
    expect(d.pending).toBe(MAX_HELD_EVENTS);
    expect(d.dropped).toBe(1500);
    redis.disconnect();
  });
});
