/**
 * 200 simulated workers (half Python-shaped, half Celeriac-shaped) beating every 2 s: the
 * room lists every one with its pool, concurrency and queues after its inspect rounds, asks
 * `stats` and `active_queues` of a bounded number of workers at a time (by `destination`,
 * counted on the pidbox), asks nothing more once it knows them all, asks a restarted worker
 * again, and answers workers:list while the heartbeats flow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import type { WorkerInfo } from '../../src-main/core/worker/worker-list.js';
import { DEFAULT_INSPECT_PLAN_OPTIONS } from '../../src-main/service/cluster/inspect-plan.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { WorkerSim } from '../helpers/worker-sim.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

const CROWD = 200;
const INSPECTS = ['stats', 'active_queues'];

let redis: RedisServer;
let app: App;
let service: ConnectionService;
let sim: WorkerSim;

beforeAll(async () => {
  redis = await startRedisServer();
  app = createApp({ broker: redis.url });
  service = new ConnectionService(app);
  await service.start();
  sim = new WorkerSim({ url: redis.url, count: CROWD });
  await sim.start();
});
afterAll(async () => {
  sim?.stop();
  await service?.stop();
  await app?.close();
  await redis?.stop();
});

async function list(): Promise<WorkerInfo[]> {
  const r = await service.call('workers:list', {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Every simulated worker listed online with the pool, concurrency and queues it has now. */
async function allListedRight(): Promise<boolean> {
  const listed = new Map((await list()).map((w) => [w.name, w]));
  return sim.workers.every((w) => {
    const l = listed.get(w.name);
    return l !== undefined && l.online && l.pool === w.pool && l.concurrency === w.concurrency && l.queues.join() === w.queues.join();
  });
}

describe('200 workers', () => {
  it('lists every worker with its pool and queues, asking a bounded number of them at a time', async () => {
    await until(allListedRight, 90_000);
    const asked = sim.seen(...INSPECTS);
    expect(asked.length).toBeGreaterThan(0);
    for (const r of asked) {
      expect(r.destination).not.toBeNull();
      expect(r.addressed).toBeGreaterThan(0);
      expect(r.addressed).toBeLessThanOrEqual(DEFAULT_INSPECT_PLAN_OPTIONS.fanOut);
    }
    // The Celeriac-shaped ones said it themselves: only the Python-shaped are asked.
    const addressed = new Set(asked.flatMap((r) => r.destination ?? []));
    expect([...addressed].every((name) => name.includes('-py-'))).toBe(true);
  }, 120_000);

  it('asks nothing more of workers it knows, however often the view lists them', async () => {
    const before = sim.seen(...INSPECTS).length;
    // Three rounds' worth of the Workers view polling.
    for (let i = 0; i < 8; i++) {
      await list();
      await new Promise((r) => setTimeout(r, 800));
    }
    expect(sim.seen(...INSPECTS).length).toBe(before);
  }, 30_000);

  it('asks a restarted worker again, that one only, and lists its new queues', async () => {
    const before = sim.seen(...INSPECTS).length;
    const restarted = sim.workers[0]!;
    restarted.pid += 1;
    restarted.queues = ['moved'];
    await until(allListedRight, 30_000);
    const asked = sim.seen(...INSPECTS).slice(before);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((r) => r.destination?.length === 1 && r.destination[0] === restarted.name)).toBe(true);
  }, 40_000);

  it('answers workers:list while 200 workers beat', async () => {
    for (let i = 0; i < 20; i++) {
      const answered = await Promise.race([list().then((l) => l.length), new Promise<'late'>((r) => setTimeout(() => r('late'), 10_000))]);
      expect(answered).toBe(CROWD);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);
});
