/**
 * The Dead letters view's back end on a real Redis, with dead letters a real worker made (a task
 * it does not know): listed with their reason and the message decoded, requeued and dropped by
 * the key the list gave (a stale one is refused), all of them at once.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';
import { ok } from '../helpers/contract.js';

let redis: Redis;
let app: App;
useRedisSuite((s) => ({ redis, app } = s), { worker: { concurrency: 1, name: 'ts@dead' } });

describe('dead letters through the contract', () => {
  it('lists, requeues, drops and clears them, acting only on the entry that was listed', async () => {
    const svc = new ConnectionService(app);
    await svc.start();
    try {
      const sent = await Promise.all([1, 2, 3].map((n) => app.sendTask('no.such.task', [n])));
      await until(async () => (await redis.llen('celeriac:dead')) === 3);
      const list = await ok(svc.call('dead:list', {}));
      expect(list.total).toBe(3);
      expect(list.entries[0]).toMatchObject({ index: 0, reason: 'unknown_task', task: 'no.such.task', queue: 'celery', worker: 'ts@dead', key: expect.stringMatching(/^[0-9a-f]{40}$/) });
      expect(JSON.parse(list.entries[0]!.message).body).toEqual([[3], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]);
      expect(list.entries.map((e) => e.id)).toEqual(sent.map((r) => r.id).reverse());

      // A new dead letter moves the indexes: the old key of index 0 no longer names it.
      await app.sendTask('no.such.task', [4]);
      await until(async () => (await redis.llen('celeriac:dead')) === 4);
      const stale = await svc.call('dead:requeue', { index: 0, key: list.entries[0]!.key });
      expect(stale).toMatchObject({ ok: false, error: { message: expect.stringContaining('moved') } });

      const now = await ok(svc.call('dead:list', {}));
      await ok(svc.call('dead:drop', { index: 0, key: now.entries[0]!.key }));
      expect(await redis.llen('celeriac:dead')).toBe(3);
      const again = await ok(svc.call('dead:list', {}));
      expect(await ok(svc.call('dead:requeue', { index: 1, key: again.entries[1]!.key }))).toEqual({ requeued: again.entries[1]!.id });
      // The worker dead-letters it once more (it still does not know the task): it went back to its queue.
      await until(async () => (await redis.llen('celeriac:dead')) === 3);
      expect(await ok(svc.call('dead:dropAll', {}))).toEqual({ dropped: 3 });
      expect((await ok(svc.call('dead:list', {}))).total).toBe(0);
    } finally {
      await svc.stop();
    }
  });
});
