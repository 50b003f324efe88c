import type { Redis } from 'ioredis';
import { createClient, createWorker } from 'celery-node';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { useRedisSuite } from '../helpers/suite.js';
import type { RedisServer } from '../helpers/redis-server.js';

/**
 * celery-node 0.5.9, the npm Celery client and worker, both ways: its protocol 1 and 2
 * messages on a Celeriac worker, and Celeriac's messages on its worker.
 */
describe('celery-node 0.5.9 and Celeriac', () => {
  let server: RedisServer;
  let redis: Redis;
  let app: App;
  useRedisSuite((s) => ({ server, redis, app } = s), { worker: { concurrency: 1, name: 'ts@cn', queues: ['celery'] } });

  it.each([1, 2])('its client with TASK_PROTOCOL = %i runs on a Celeriac worker, read back by its AsyncResult', async (protocol) => {
    const client = createClient(server.url, server.url, 'celery');
    client.conf.TASK_PROTOCOL = protocol;
    try {
      const result = client.createTask('tasks.add').delay(20, protocol);
      expect(await result.get(15_000)).toBe(20 + protocol);
      expect(await app.asyncResult(result.taskId).info()).toMatchObject({ status: 'SUCCESS', worker: 'ts@cn', name: 'tasks.add', args: [20, protocol] });
    } finally {
      await client.disconnect();
    }
  });

  it('its worker runs what Celeriac sends: a value and a failure, read back by ours', async () => {
    const worker = createWorker(server.url, server.url, 'cnq');
    worker.register('cn.add', (a: number, b: number) => a + b);
    worker.register('cn.fail', () => {
      throw new Error('cn broke');
    });
    const quiet = console.info;
    console.info = () => undefined; // celery-node logs every task at info
    void worker.start();
    try {
      expect(await (await app.sendTask('cn.add', [2, 3], {}, { queue: 'cnq' })).get({ timeout: 15_000 })).toBe(5);
      // celery-node stores a failure with no exception description (result null, its Error as
      // `traceback`, which JSON makes {}): ours reads it as a FAILURE of an unnamed Exception.
      await expect((await app.sendTask('cn.fail', [], {}, { queue: 'cnq' })).get({ timeout: 15_000 }))
        .rejects.toMatchObject({ state: 'FAILURE', excType: 'Exception' });
      expect(await redis.llen('cnq')).toBe(0);
    } finally {
      await worker.disconnect();
      console.info = quiet;
    }
  }, 30_000);
});
