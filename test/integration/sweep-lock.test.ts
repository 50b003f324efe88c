/**
 * The visibility sweep's `unacked_mutex` outlives a sweep only when its worker dies mid-sweep,
 * and then nobody's claims come back until it expires: it is held no longer than the
 * visibility timeout (10 s at least, kombu's 300 s at most), so a worker killed with -9 while
 * sweeping does not hold back a short timeout's restores for five minutes.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { QoS, sweepLockMs } from '../../src-main/core/broker/qos.js';
import { useRedisSuite } from '../helpers/suite.js';
import type { RedisServer } from '../helpers/redis-server.js';

let server: RedisServer;
let redis: Redis;
useRedisSuite((s) => ({ server, redis } = s));

/** The lifetime a sweep asks for, as Redis receives it (what a worker dying mid-sweep leaves). */
async function lockLifetimeOfSweep(visibilityTimeout: number): Promise<number> {
  const monitor = await server.client().monitor();
  const seen: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[]) => seen.push(args));
  await new QoS(redis).sweep(visibilityTimeout);
  await new Promise((r) => setTimeout(r, 100));
  monitor.disconnect();
  const call = seen.find((a) => a.includes('unacked_mutex') && /^eval/i.test(a[0]!));
  return Number(call![call!.length - 1]);
}

describe('the visibility sweep lock', () => {
  it('is held no longer than the visibility timeout: 10 s at least, 300 s (kombu) at most', async () => {
    expect(await lockLifetimeOfSweep(2)).toBe(10_000);
    expect(await lockLifetimeOfSweep(60)).toBe(60_000);
    expect(await lockLifetimeOfSweep(3600)).toBe(300_000);
    expect([sweepLockMs(0.5), sweepLockMs(30), sweepLockMs(86_400)]).toEqual([10_000, 30_000, 300_000]);
    expect(await redis.exists('unacked_mutex')).toBe(0);
  });
});
