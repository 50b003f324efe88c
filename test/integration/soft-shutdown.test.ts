import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import type { Worker } from '../../src-main/core/worker/worker.js';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';
import { startWorker } from '../helpers/worker.js';

/**
 * shutdownGrace, Celeriac's worker_soft_shutdown_timeout (Celery 5.5, not in Debian's 5.2.6,
 * checked against Celery's published source): running tasks get that long, then their
 * messages go back to the queue for another worker rather than waiting for the visibility timeout.
 */
describe('a warm shutdown bounded by shutdownGrace', () => {
  let server: RedisServer;
  let app: App;
  let worker: Worker;

  beforeAll(async () => {
    server = await startRedisServer();
    app = createApp({ broker: server.url });
  });
  afterAll(async () => {
    await worker?.stop(true);
    await app?.close();
    await server?.stop();
  });

  it('gives a running task the grace, then hands its message back to the queue', async () => {
    const queue = uniqueName('grace');
    worker = await startWorker(server.url, { queues: [queue], concurrency: 1, shutdownGrace: 1 });
    await app.sendTask('tasks.sleep', [20_000], {}, { queue });
    const redis = server.client();
    await until(async () => (await redis.hlen('unacked')) === 1);
    const started = Date.now();
    await worker.stop();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5_000);
    expect(await redis.hlen('unacked')).toBe(0);
    expect(await redis.llen(queue)).toBe(1);
    redis.disconnect();
  });
});
