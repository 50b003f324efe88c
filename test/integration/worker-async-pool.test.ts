import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

/**
 * `-P async -c N`: N promises in flight, whatever the worker holds claimed (4 × N by default);
 * the others wait for a slot in the worker's memory, claimed in Redis.
 */
describe('the async pool', () => {
  let redis: Redis;
  let app: App;
  useRedisSuite((s) => ({ redis, app } = s), { worker: { pool: 'async', concurrency: 2, name: 'async@test' } });

  it('runs at most -c tasks at once', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => app.sendTask('tasks.concurrent', [100])));
    const maxima = await Promise.all(results.map((r) => r.get({ timeout: 10_000 })));
    expect(Math.max(...(maxima as number[]))).toBe(2);
  });

  it('never starts a task revoked with terminate while it waits for a slot', async () => {
    const list = `ran-${Date.now()}`;
    const busy = await Promise.all([app.sendTask('tasks.record', [list, 'busy-1', 400]), app.sendTask('tasks.record', [list, 'busy-2', 400])]);
    const waiting = await app.sendTask('tasks.record', [list, 'waiting']);
    // Claimed (the worker holds 8) but without a slot while the two busy ones sleep.
    await until(async () => (await redis.hlen('unacked')) === 3);
    await app.control.revoke([waiting.id], { terminate: true });
    await expect(waiting.get({ timeout: 10_000 })).rejects.toMatchObject({ name: 'TaskRevokedError', message: 'terminated' });
    await Promise.all(busy.map((r) => r.get({ timeout: 10_000 })));
    expect(await redis.lrange(list, 0, -1)).toEqual(['busy-1', 'busy-2']);
  });
});
