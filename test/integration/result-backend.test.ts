import { describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import { useRedisSuite } from '../helpers/suite.js';
import { buildMeta, exceptionToInfo, infoToResult } from '../../src-main/core/backend/result-meta.js';
import { RemoteTaskError, TimeoutError } from '../../src-main/core/errors.js';
import { freePort, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { Redis } from 'ioredis';
import { ResultWaiter } from '../../src-main/core/backend/result-waiter.js';

let server: RedisServer;
let redis: Redis;
let app: App;
useRedisSuite((s) => ({ server, redis, app } = s));

const later = (ms: number, fn: () => Promise<unknown>): void => void setTimeout(() => void fn(), ms);

async function getCalls(): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

describe('the Redis result backend', () => {
  it('reads an unknown id as PENDING, and exists() tells it has no result', async () => {
    const r = app.asyncResult(uniqueName('id'));
    expect(await r.state()).toBe('PENDING');
    expect(await r.ready()).toBe(false);
    expect(await r.exists()).toBe(false);
    expect((await r.info()).result).toBeNull();
  });

  it('stores with SETEX (one day by default) and publishes the same JSON on the key\'s channel', async () => {
    const id = uniqueName('id');
    const sub = server.client();
    const got = new Promise<string>((resolve) => sub.on('message', (_c: string, m: string) => resolve(m)));
    await sub.subscribe(`celery-task-meta-${id}`);
    const meta = buildMeta(id, 'SUCCESS', 5);
    expect(await app.backend.store(meta)).toBe(true);
    const raw = await redis.get(`celery-task-meta-${id}`);
    expect(raw).toBe(JSON.stringify(meta));
    expect(await got).toBe(raw);
    const ttl = await redis.ttl(`celery-task-meta-${id}`);
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });

  it('keeps results forever when resultExpires is null, and for the given seconds otherwise', async () => {
    const keep = createApp({ broker: server.url, resultExpires: null });
    const short = createApp({ broker: server.url, resultExpires: 60 });
    const [a, b] = [uniqueName('id'), uniqueName('id')];
    await keep.backend.store(buildMeta(a, 'SUCCESS', 1));
    await short.backend.store(buildMeta(b, 'SUCCESS', 1));
    expect(await redis.ttl(`celery-task-meta-${a}`)).toBe(-1);
    expect(await redis.ttl(`celery-task-meta-${b}`)).toBeLessThanOrEqual(60);
    await Promise.all([keep.close(), short.close()]);
  });

  it('never overwrites a SUCCESS, as Celery does not', async () => {
    const id = uniqueName('id');
    await app.backend.store(buildMeta(id, 'SUCCESS', 1));
    expect(await app.backend.store(buildMeta(id, 'FAILURE', infoToResult(exceptionToInfo(new Error('late')))))).toBe(false);
    expect(await app.asyncResult(id).state()).toBe('SUCCESS');
  });

  it('get() waits on pub/sub, without polling, and returns the value', async () => {
    const id = uniqueName('id');
    const before = await getCalls();
    const value = app.asyncResult(id).get({ timeout: 5000 });
    await new Promise((r) => setTimeout(r, 300));
    // one GET at once and one after subscribing, then nothing while it waits...
    expect((await getCalls()) - before).toBe(2);
    // ...until the result arrives as a message
    await app.backend.store(buildMeta(id, 'SUCCESS', { sum: 5 }));
    expect(await value).toEqual({ sum: 5 });
  });

  it('get() returns at once when the result is already there', async () => {
    const id = uniqueName('id');
    await app.backend.store(buildMeta(id, 'SUCCESS', 7));
    expect(await app.asyncResult(id).get({ timeout: 1000 })).toBe(7);
  });

  it('get() reports intermediate states (STARTED, PROGRESS) on the way', async () => {
    const id = uniqueName('id');
    const seen: string[] = [];
    const done = app.asyncResult(id).get({ timeout: 5000, onUpdate: (m) => seen.push(`${m.status}:${JSON.stringify(m.result)}`) });
    later(100, async () => {
      await app.backend.store(buildMeta(id, 'STARTED', { pid: 1, hostname: 'w@h' }));
      await app.backend.store(buildMeta(id, 'PROGRESS', { current: 1, total: 2 }));
      await app.backend.store(buildMeta(id, 'SUCCESS', 'ok'));
    });
    expect(await done).toBe('ok');
    expect(seen).toEqual(['STARTED:{"pid":1,"hostname":"w@h"}', 'PROGRESS:{"current":1,"total":2}']);
  });

  it('get() rejects with the remote type, message and traceback on FAILURE', async () => {
    const id = uniqueName('id');
    later(50, () => app.backend.store(buildMeta(id, 'FAILURE', { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' }, { traceback: 'Traceback...\nValueError: boom\n' })));
    const err = await app.asyncResult(id).get({ timeout: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteTaskError);
    expect(err).toMatchObject({ name: 'ValueError', message: 'boom', state: 'FAILURE', excModule: 'builtins', taskId: id });
    expect((err as RemoteTaskError).traceback).toContain('ValueError: boom');
  });

  it('get() rejects REVOKED as TaskRevokedError', async () => {
    const id = uniqueName('id');
    await app.backend.store(buildMeta(id, 'REVOKED', { exc_type: 'TaskRevokedError', exc_message: ['expired'], exc_module: 'celery.exceptions' }));
    await expect(app.asyncResult(id).get()).rejects.toMatchObject({ name: 'TaskRevokedError', message: 'expired' });
  });

  it('get() times out with a TimeoutError that says what to check, and cleans up its subscription', async () => {
    const id = uniqueName('id');
    const err = await app.asyncResult(id).get({ timeout: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/Is a worker consuming its queue/);
    const channels = (await redis.pubsub('CHANNELS', `celery-task-meta-${id}`)) as string[];
    expect(channels).toEqual([]);
  });

  it('serves many waiters of the same and different tasks over one subscriber connection', async () => {
    const ids = Array.from({ length: 50 }, () => uniqueName('id'));
    const clientsBefore = Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))?.[1]);
    const waits = ids.flatMap((id) => [app.asyncResult(id).get({ timeout: 5000 }), app.asyncResult(id).get({ timeout: 5000 })]);
    await new Promise((r) => setTimeout(r, 100));
    await Promise.all(ids.map((id, i) => app.backend.store(buildMeta(id, 'SUCCESS', i))));
    expect(await Promise.all(waits)).toEqual(ids.flatMap((_, i) => [i, i]));
    const clientsAfter = Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))?.[1]);
    expect(clientsAfter - clientsBefore).toBeLessThanOrEqual(1);
  });

  it('forget() deletes the result', async () => {
    const id = uniqueName('id');
    await app.backend.store(buildMeta(id, 'SUCCESS', 1));
    await app.asyncResult(id).forget();
    expect(await redis.exists(`celery-task-meta-${id}`)).toBe(0);
  });

  it('delay() returns an AsyncResult that resolves from a worker\'s write', async () => {
    const queue = uniqueName();
    const add = app.task(`tasks.add.${queue}`, { queue }, (x: number, y: number) => x + y);
    const r = await add.delay(2, 3);
    // Act as the worker: take the message and store its result.
    later(50, () => app.backend.store(buildMeta(r.id, 'SUCCESS', 5)));
    const value: number = await r.get({ timeout: 5000 });
    expect(value).toBe(5);
    expect(await r.successful()).toBe(true);
    expect(`${r}`).toBe(r.id);
  });

  it('get() of a result stored already does not wait for its subscription', async () => {
    // A subscriber connection that never connects: only the direct read can answer.
    const port = await freePort();
    const stuck = new Redis({ port, lazyConnect: false, retryStrategy: () => 60_000, maxRetriesPerRequest: null });
    stuck.on('error', () => undefined);
    const waiter = new ResultWaiter(() => stuck, (id) => app.backend.get(id));
    try {
      const id = uniqueName('ready');
      await app.backend.store(buildMeta(id, 'SUCCESS', 42));
      expect((await waiter.wait(id, 5_000)).result).toBe(42);
      // One not stored yet is left to the subscription (which never comes here): it times out.
      await expect(waiter.wait(uniqueName('later'), 300)).rejects.toBeInstanceOf(TimeoutError);
    } finally {
      await waiter.close();
    }
  });
});
