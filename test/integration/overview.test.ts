/**
 * The Overview's figures from what a real worker ran: finished per bucket, per-task count,
 * failure rate and runtime percentiles, a queue's depth and the age of its oldest message.
 */
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { ok } from '../helpers/contract.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

let app: App;
useRedisSuite((s) => ({ app } = s), { app: { taskRecords: true }, worker: { concurrency: 2, name: 'ts@overview', events: true } });

describe('the overview', () => {
  it('counts, buckets, percentiles and the oldest waiting message, from a real worker\'s runs', async () => {
    const svc = new ConnectionService(app);
    await svc.start();
    try {
      const parked = uniqueName('parked');
      await app.sendTask('tasks.add', [0, 0], {}, { queue: parked });
      const quick = await Promise.all(Array.from({ length: 9 }, () => app.sendTask('tasks.sleep', [20])));
      const slow = await app.sendTask('tasks.sleep', [400]);
      const bad = await Promise.all([1, 2].map(() => app.sendTask('tasks.fail', ['x'])));
      for (const r of [...quick, slow]) await r.get({ timeout: 10_000 });
      for (const r of bad) await r.get({ timeout: 10_000 }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1000));
      let o = await ok(svc.call('overview:get', { range: '15m' }));
      await until(async () => {
        o = await ok(svc.call('overview:get', { range: '15m' }));
        return o.tasks.find((t) => t.name === 'tasks.sleep')?.count === 10 && o.tasks.find((t) => t.name === 'tasks.fail')?.count === 2;
      });
      const sleep = o.tasks.find((t) => t.name === 'tasks.sleep')!;
      expect(sleep.failureRate).toBe(0);
      expect(sleep.p50!).toBeGreaterThanOrEqual(0.02);
      expect(sleep.p50!).toBeLessThan(0.4);
      expect(sleep.p95!).toBeGreaterThanOrEqual(0.4 * 0.98); // read from bins: within 2 %
      expect(o.tasks.find((t) => t.name === 'tasks.fail')).toMatchObject({ count: 2, failureRate: 1 });
      // 15 minutes in 15 s buckets; every finished task in one of them.
      expect(o.throughput.at.length).toBeGreaterThanOrEqual(60);
      expect(o.throughput.at[1]! - o.throughput.at[0]!).toBe(15);
      expect(o.throughput.succeeded.reduce((a, b) => a + b, 0)).toBe(10);
      expect(o.throughput.failed.reduce((a, b) => a + b, 0)).toBe(2);
      const queue = o.queues.find((q) => q.name === parked)!;
      expect(queue.depth).toBe(1);
      expect(queue.oldestAgeS!).toBeGreaterThanOrEqual(1);
      expect(o.workersOnline).toBeGreaterThanOrEqual(1);
      // Workers over time: noted by the control room, one figure per bucket (this one's last).
      expect(o.workersOverTime).toHaveLength(o.throughput.at.length);
      expect(o.workersOverTime.at(-1)).toBe(o.workersOnline);
      // The summary bar counts the same history.
      const bar = await ok(svc.call('summary:get', {}));
      expect(bar).toMatchObject({ processed: 12, failed: 2, queued: 1 });
    } finally {
      await svc.stop();
    }
  });
});
