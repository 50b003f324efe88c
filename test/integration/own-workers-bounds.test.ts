/**
 * Celeriac workers killed before they could remove their entry leave it in `celeriac:workers`:
 * the room reads the newest ones only, as many as its worker table keeps, so its memory does
 * not grow with a Redis that has seen workers come and go for months.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import { WORKERS, WORKERS_INFO } from '../../src-main/core/keys.js';
import { MAX_WORKERS_IN_MEMORY } from '../../src-main/service/cluster/workers-state.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
let app: App;
let service: ConnectionService;

beforeAll(async () => {
  redis = await startRedisServer();
  app = createApp({ broker: redis.url });
  service = new ConnectionService(app);
});
afterAll(async () => {
  await service?.stop();
  await app?.close();
  await redis?.stop();
});

describe("the room's read of Celeriac workers' own entries", () => {
  it('holds the newest entries only, as many as the worker table keeps', async () => {
    const client = redis.client();
    const left = MAX_WORKERS_IN_MEMORY + 500;
    const old = Date.now() - 86_400_000;
    const pipeline = client.pipeline();
    for (let i = 0; i < left; i++) {
      const name = `killed-${i}@gone`;
      pipeline.zadd(WORKERS, old + i, name).hset(WORKERS_INFO, name, JSON.stringify({ pool: 'process', concurrency: 1, queues: ['celery'] }));
    }
    await pipeline.exec();
    const r = await service.call('workers:list', {});
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.length).toBe(MAX_WORKERS_IN_MEMORY);
    expect(r.value[0]).toMatchObject({ name: `killed-${left - 1}@gone`, online: false });
    expect(r.value.some((w) => w.name === 'killed-0@gone')).toBe(false);
    client.disconnect();
  });
});
