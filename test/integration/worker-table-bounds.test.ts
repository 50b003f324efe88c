/**
 * The worker table on a hostile event channel: 10k heartbeats under made-up hostnames, published
 * as any producer could, fill it to Celery's max_workers_in_memory and no further, and a real
 * worker that starts after them, or beats among a second flood, is still listed online.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import { encodeEvent } from '../../src-main/core/events/envelope.js';
import type { Worker } from '../../src-main/core/worker/worker.js';
import { Cluster } from '../../src-main/service/cluster/cluster.js';
import { MAX_WORKERS_IN_MEMORY, WorkersState } from '../../src-main/service/cluster/workers-state.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';
import { startWorker } from '../helpers/worker.js';

let redis: RedisServer;
let app: App;
let cluster: Cluster;
let worker: Worker | undefined;

beforeAll(async () => {
  redis = await startRedisServer();
  app = createApp({ broker: redis.url });
  cluster = new Cluster(app);
  await cluster.start();
});
afterAll(async () => {
  await worker?.stop();
  cluster?.stop();
  await app?.close();
  await redis?.stop();
});

/** Publishes `n` heartbeats from made-up hosts, each claiming to beat once an hour. */
async function flood(tag: string, n: number): Promise<void> {
  const client = redis.client();
  for (let start = 0; start < n; start += 1000) {
    const pipeline = client.pipeline();
    for (let i = start; i < Math.min(n, start + 1000); i++) {
      const hostname = `fake-${tag}-${i}@nowhere`;
      const event = { type: 'worker-heartbeat', hostname, utcoffset: 0, pid: i, clock: i, timestamp: Date.now() / 1000, freq: 3600, sw_ident: 'py-celery', sw_ver: '5.2.6', sw_sys: 'Linux', active: 0, processed: 0, loadavg: [0, 0, 0] };
      pipeline.publish('/0.celeryev/worker.heartbeat', encodeEvent(event, 'worker.heartbeat', hostname));
    }
    await pipeline.exec();
  }
}

const real = (): { online: boolean } | undefined => {
  const w = cluster.state.list().find((x) => x.hostname === worker?.options.name);
  return w && { online: WorkersState.online(w) };
};

describe('the worker table', () => {
  it('keeps a real worker listed through 10k fake heartbeats, and holds no more than max_workers_in_memory', async () => {
    await flood('a', 10_000);
    await until(() => cluster.state.list().length === MAX_WORKERS_IN_MEMORY && cluster.state.list().some((w) => w.hostname === 'fake-a-9999@nowhere'));

    worker = await startWorker(redis.url, { name: 'real@bounds' });
    await until(() => real()?.online === true, 10_000);

    await flood('b', 10_000);
    await until(() => cluster.state.list().some((w) => w.hostname === 'fake-b-9999@nowhere'));
    // Its next heartbeats keep it there (it beats every 2 s; the fakes were heard once each).
    await new Promise((r) => setTimeout(r, 2500));
    expect(real()).toEqual({ online: true });
    expect(cluster.state.list().length).toBeLessThanOrEqual(MAX_WORKERS_IN_MEMORY);
  }, 60_000);
});
