/**
 * Rate limits on a Celeriac worker, as Celery's: a token bucket of capacity 1 per task (after
 * idle two run back to back, then one per 1/rate), limited messages stay claimed while they
 * wait, other tasks overtake them, and `control rate_limit` changes the rate live.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { parseRate, TokenBucket } from '../../src-main/core/worker/rate-limit.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';

let redis: Redis;
let app: App;
useRedisSuite((s) => ({ redis, app } = s), { worker: { concurrency: 2, name: 'ts@limits' } });

const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - times[i]!);

describe('rate limits', () => {
  it('reads Celery\'s rate strings, and refuses others with Python\'s words', () => {
    expect([parseRate('10/s'), parseRate('30/m'), parseRate('7200/h'), parseRate('2'), parseRate(''), parseRate('0.5/s')]).toEqual([10, 0.5, 2, 2, 0, 0.5]);
    expect(() => parseRate('x/s')).toThrow("could not convert string to float: 'x'");
    expect(() => parseRate('1/d')).toThrow("KeyError('d')");
  });

  it('fills a bucket of one as kombu\'s TokenBucket: two back to back after idle, then 1/rate apart', () => {
    let now = 0;
    const b = new TokenBucket(2, 1, () => now);
    now = 10; // idle: the bucket is full, and its clock was not moved while full
    expect(b.canConsume()).toBe(true);
    expect(b.canConsume()).toBe(true);
    expect(b.canConsume()).toBe(false);
    expect(b.expectedTime()).toBeCloseTo(0.5);
    now = 10.5;
    expect(b.canConsume()).toBe(true);
  });

  it('spaces a limited task\'s runs, keeps the waiting ones claimed, and lets other tasks overtake them', async () => {
    const list = uniqueName('limited');
    const results = await Promise.all(Array.from({ length: 6 }, () => app.sendTask('tasks.limited', [list])));
    await new Promise((r) => setTimeout(r, 300));
    // Waiting messages are claimed (in unacked), not back in the queue; an unlimited task runs past them.
    expect(await redis.hlen('unacked')).toBeGreaterThan(0);
    const quick = await app.sendTask('tasks.add', [1, 1]);
    expect(await quick.get({ timeout: 2000 })).toBe(2);
    expect(await redis.llen(list)).toBeLessThan(6);
    for (const r of results) await r.get({ timeout: 10_000 });
    const times = (await redis.lrange(list, 0, -1)).map(Number).sort((a, b) => a - b);
    // 4/s: 250 ms apart (a few ms of timer slack), after the first two.
    for (const gap of gaps(times).slice(1)) expect(gap).toBeGreaterThanOrEqual(240);
  });

  it('changes the rate live with control rate_limit (Python\'s replies), and registered shows it', async () => {
    const reply = async (rate: string, task = 'tasks.limited') => (await app.control.broadcast('rate_limit', { task_name: task, rate_limit: rate }, { timeout: 500 }))['ts@limits'];
    expect(await reply('2/s')).toEqual({ ok: 'new rate limit set successfully' });
    expect(await reply('x')).toEqual({ error: 'Invalid rate limit string: ValueError("could not convert string to float: \'x\'")' });
    expect(await reply('2/s', 'tasks.nope')).toEqual({ error: 'unknown task' });
    const registered = (await app.control.broadcast('registered', {}, { timeout: 500 }))['ts@limits'] as string[];
    expect(registered).toContain('tasks.limited [rate_limit=2/s]');
    const list = uniqueName('slower');
    const results = await Promise.all(Array.from({ length: 4 }, () => app.sendTask('tasks.limited', [list])));
    for (const r of results) await r.get({ timeout: 10_000 });
    const times = (await redis.lrange(list, 0, -1)).map(Number).sort((a, b) => a - b);
    for (const gap of gaps(times).slice(1)) expect(gap).toBeGreaterThanOrEqual(490);
    expect(await reply('')).toEqual({ ok: 'rate limit disabled successfully' });
  });
});
