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

  it('grows and shrinks on pool_grow / pool_shrink: more at once, then fewer, none lost', async () => {
    expect(await app.control.broadcast('pool_grow', { n: 1 })).toEqual({ 'async@test': { ok: 'pool will grow' } });
    const grown = await Promise.all(Array.from({ length: 9 }, () => app.sendTask('tasks.concurrent', [150])));
    expect(Math.max(...((await Promise.all(grown.map((r) => r.get({ timeout: 10_000 })))) as number[]))).toBe(3);
    expect(await app.control.broadcast('pool_shrink', { n: 2 })).toEqual({ 'async@test': { ok: 'pool will shrink' } });
    expect(((await app.control.broadcast('stats'))['async@test'] as { pool: { 'max-concurrency': number } }).pool['max-concurrency']).toBe(1);
    expect(await app.control.broadcast('pool_shrink', { n: 1 })).toEqual({ 'async@test': { error: 'ValueError("Can\'t shrink the pool below one slot")' } });
    const after = await Promise.all(Array.from({ length: 4 }, (_, i) => app.sendTask('tasks.add', [i, 1])));
    expect(await Promise.all(after.map((r) => r.get({ timeout: 10_000 })))).toEqual([1, 2, 3, 4]);
  });
});
