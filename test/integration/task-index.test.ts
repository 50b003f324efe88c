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
  const heard: ListedTask[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    redis = server.client();
    index = new TaskIndex(redis, () => server.client());
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
});
