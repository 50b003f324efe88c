/**
 * Announcements lost while the control room's subscription was down: after it comes back, a
 * batch's counts catch up from the records (pub/sub keeps nothing for a subscriber that was away).
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { encodeRecord } from '../../src-main/core/records/task-record.js';
import type { BatchSummary } from '../../src-main/service/contract/index.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

let redis: Redis;
let app: App;
useRedisSuite((s) => ({ redis, app } = s), { app: { taskRecords: true } });

describe('the record feed', () => {
  it('after a reconnect, a batch reads back the records of its unfinished items', async () => {
    const svc = new ConnectionService(app);
    await svc.start();
    try {
      const made = await svc.call('batches:create', { task: 'tasks.add', files: ['/v/a', '/v/b', '/v/c'], queue: uniqueName('nobody') });
      if (!made.ok) throw new Error(made.error.message);
      const batchId = made.value.id;
      const page = await svc.call('batches:get', { id: batchId });
      if (!page.ok) throw new Error(page.error.message);
      // Two items end while nobody hears of it: their records change, no announcement is sent.
      for (const item of page.value.items.slice(0, 2)) {
        const rec = { id: item.id, name: 'tasks.add', queue: 'q', state: 'SUCCESS', argsrepr: '()', kwargsrepr: '{}', priority: 0, eta: null, retries: 0, group: batchId, finished: Date.now() };
        await redis.hset('celeriac:records', item.id, encodeRecord(rec));
      }
      const counts = async (): Promise<BatchSummary['counts'] | undefined> => {
        const list = await svc.call('batches:list', {});
        return list.ok ? list.value.find((b) => b.id === batchId)?.counts : undefined;
      };
      expect((await counts())?.succeeded).toBe(0);
      // The subscription drops and comes back.
      (svc as unknown as { records: { subscriber: Redis } }).records.subscriber.disconnect(true);
      await until(async () => (await counts())?.succeeded === 2, 10_000);
      expect(await counts()).toMatchObject({ succeeded: 2, waiting: 1 });
    } finally {
      await svc.stop();
    }
  });
});
