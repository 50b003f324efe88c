import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announcement, RECORDS, RECORDS_CHANGED, RECORDS_INDEX } from '../../src-main/core/keys.js';
import { TaskIndex, type ListedTask } from '../../src-main/service/task-index.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

/**
 * The control room's task index follows `celeriac:records:changed`: every record writer
 * announces `id US state US group` (comma-separated, many per message), older writers bare ids.
 */
describe('the task index', () => {
  let server: RedisServer;
  let redis: Redis;
  let index: TaskIndex;
  let subscriber: Redis;
  const heard: ListedTask[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    redis = server.client();
    index = new TaskIndex(redis, () => (subscriber = server.client()));
    await index.start();
    index.onChange((changed) => heard.push(...changed));
  });
  afterAll(async () => {
    index.stop();
    await server.stop();
  });

  it('applies every entry of a message: states, groups, and bare ids read from their record', async () => {
    const record = { id: 'bare', name: 'tasks.add', queue: 'celery', state: 'FAILURE', argsrepr: '(1, 2)', kwargsrepr: '{}', priority: 0, eta: null, retries: 0, group: null, error: { type: 'ValueError', message: 'boom' } };
    await redis.hset(RECORDS, 'bare', JSON.stringify(record));
    await redis.zadd(RECORDS_INDEX, Date.now(), 'bare');
    const message = [announcement('t1', 'SUCCESS', null), announcement('t2', 'STARTED', 'g1'), 'bare', announcement('t3', 'PENDING', 'g1')].join(',');
    await redis.publish(RECORDS_CHANGED, message);
    await until(() => heard.some((t) => t.id === 'bare'));
    expect(heard.find((t) => t.id === 't1')).toMatchObject({ state: 'SUCCESS', group: null });
    expect(heard.find((t) => t.id === 't2')).toMatchObject({ state: 'STARTED', group: 'g1' });
    expect(heard.find((t) => t.id === 'bare')).toMatchObject({ state: 'FAILURE', name: 'tasks.add', error: { message: 'boom' } });
    expect(heard.find((t) => t.id === 't3')).toBeUndefined(); // just sent: listed when somebody looks
    // Known by state only, never read: not held, and listing reads them (t1..t3 have no record).
    expect(index.get('t1')).toBeUndefined();
    expect((await index.list({}, 0, 10)).tasks.map((t) => t.id)).toEqual(['bare']);
  });

  it('reads the announcements in bursts, not with a wake-up per message', async () => {
    // The times ioredis handed each message over, seen beside the index's own listener.
    const arrivals: number[] = [];
    const listener = (channel: string, text: string): void => {
      if (text.startsWith('burst-')) arrivals.push(performance.now());
    };
    subscriber.on('message', listener);
    for (let i = 0; i < 100; i++) {
      await redis.publish(RECORDS_CHANGED, announcement(`burst-${i}`, 'SUCCESS', null));
      await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => arrivals.length === 100);
    subscriber.off('message', listener);
    // Messages read in one burst are handed over within microseconds of each other; read
    // as they came, each would arrive on its own, some 2 ms after the one before.
    let bursts = 1;
    for (let i = 1; i < arrivals.length; i++) if (arrivals[i]! - arrivals[i - 1]! > 0.5) bursts++;
    expect(bursts).toBeLessThan(30);
    expect(heard.filter((t) => t.id.startsWith('burst-'))).toHaveLength(100);
  });

  it('reads back the records whose state changed only for the rows shown, unless a filter needs them', async () => {
    const ids = Array.from({ length: 2500 }, (_, i) => `many-${i}`);
    const now = Date.now();
    const pipeline = redis.pipeline();
    for (const [i, id] of ids.entries()) {
      pipeline.hset(RECORDS, id, JSON.stringify({ id, name: 'tasks.add', queue: 'celery', state: 'STARTED', argsrepr: `(${i}, ${i})`, kwargsrepr: '{}', priority: 0, eta: null, retries: 0, group: null }));
      pipeline.zadd(RECORDS_INDEX, now + i, id);
    }
    await pipeline.exec();
    await index.resync();
    // Every one of them ends: their records written, their state announced, as workers do.
    const ended = redis.pipeline();
    for (const [i, id] of ids.entries()) {
      ended.hset(RECORDS, id, JSON.stringify({ id, name: 'tasks.add', queue: 'celery', state: 'SUCCESS', argsrepr: `(${i}, ${i})`, kwargsrepr: '{}', priority: 0, eta: null, retries: 0, group: null, result: String(2 * i) }));
    }
    await ended.exec();
    await redis.publish(RECORDS_CHANGED, ids.map((id) => announcement(id, 'SUCCESS', null)).join(','));
    await until(() => heard.filter((t) => t.id.startsWith('many-') && t.state === 'SUCCESS').length === 2500);
    const hmgets = async (): Promise<number> => Number(/cmdstat_hmget:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    let before = await hmgets();
    const page = await index.list({ state: 'SUCCESS' }, 0, 10);
    expect(page.total).toBeGreaterThanOrEqual(2500);
    expect(page.tasks.map((t) => t.id)).toEqual(ids.slice(-10).reverse());
    expect(page.tasks[0]).toMatchObject({ state: 'SUCCESS', result: '4998' }); // read, as shown
    // The ten rows shown, in one read; not 2,500 records in three.
    expect((await hmgets()) - before).toBe(1);
    // Free text looks at what the records say: all of them are read first.
    before = await hmgets();
    expect((await index.list({ text: '(7, 7)' }, 0, 10)).tasks.map((t) => t.id)).toEqual(['many-7']);
    expect((await hmgets()) - before).toBe(3);
  });
});
