/**
 * The summary bar's counts and the Scheduled view on a real Redis, from what a real worker ran:
 * processed, failed, queued, scheduled, dead; a countdown task listed with its ETA and run now.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';
import { ok } from '../helpers/contract.js';

let redis: Redis;
let app: App;
useRedisSuite((s) => ({ redis, app } = s), { app: { taskRecords: true }, worker: { concurrency: 2, name: 'ts@overview', events: true } });

describe('the summary bar and the Scheduled view', () => {
  it('count what ran, waits, is scheduled and is dead', async () => {
    const svc = new ConnectionService(app);
    await svc.start();
    try {
      const good = await Promise.all([1, 2, 3, 4].map((n) => app.sendTask('tasks.add', [n, n])));
      const bad = await Promise.all([1, 2].map(() => app.sendTask('tasks.fail', ['x'])));
      for (const r of good) await r.get({ timeout: 10_000 });
      for (const r of bad) await r.get({ timeout: 10_000 }).catch(() => undefined);
      await app.sendTask('tasks.add', [0, 0], {}, { queue: uniqueName('parked') });
      await app.sendTask('no.such.task', []);
      const later = await app.sendTask('tasks.add', [5, 5], {}, { countdown: 300 });
      await until(async () => (await redis.zcard('celeriac:schedule')) === 1 && (await redis.llen('celeriac:dead')) === 1);
      let last: unknown = null;
      await until(async () => {
        const s = await ok(svc.call('summary:get', {}));
        last = s;
        return s.processed === 7 && s.failed === 3;
      }).catch(() => {
        throw new Error(`summary stayed ${JSON.stringify(last)}`);
      });
      expect(await ok(svc.call('summary:get', {}))).toEqual({ processed: 7, failed: 3, failedIgnored: 0, active: 0, retrying: 0, queued: 1, scheduled: 1, dead: 1 });
      // (The task no worker knows failed too: NotRegistered is stored for it, and it is dead-lettered.)

      const scheduled = await ok(svc.call('scheduled:list', {}));
      expect(scheduled.total).toBe(1);
      const [task] = scheduled.tasks;
      expect(task).toMatchObject({ holder: 'celeriac', id: later.id, name: 'tasks.add', args: '(5, 5)', queue: 'celery' });
      expect(task!.eta).toBeGreaterThan(Date.now() + 250_000);
      expect(await ok(svc.call('scheduled:runNow', { tag: task!.tag! }))).toEqual({ moved: true });
      expect(await later.get({ timeout: 10_000 })).toBe(10);
      expect(await svc.call('scheduled:runNow', { tag: task!.tag! })).toMatchObject({ ok: false, error: { message: expect.stringContaining('no longer scheduled') } });
    } finally {
      await svc.stop();
    }
  });
});
