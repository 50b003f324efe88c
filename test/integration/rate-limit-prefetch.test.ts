/**
 * What docs/beat.md says of rate limits and the prefetch: a limited message waits claimed and
 * counts against the prefetch, so other tasks overtake the waiting ones only while the
 * prefetch has room. With it full of waiting limited messages, a task queued behind them waits
 * until enough of them have run (as a Celery 5.2.6 worker does).
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';

let redis: Redis;
let app: App;
useRedisSuite((s) => ({ redis, app } = s), { worker: { concurrency: 1, prefetch: 4, name: 'ts@limit-prefetch' } });

describe('rate limits and the prefetch', () => {
  it('a task behind more limited messages than the prefetch holds waits for some of them to run, then overtakes the rest', async () => {
    const list = uniqueName('limited');
    // 12 at 4/s, then an unlimited one in the same queue, behind them.
    const limited = await app.sendMany(Array.from({ length: 12 }, () => ({ name: 'tasks.limited', args: [list] })));
    const quick = await app.sendTask('tasks.record', [list, 'quick']);
    await quick.get({ timeout: 10_000 });
    const ranBefore = (await redis.lrange(list, 0, -1)).indexOf('quick');
    // Not first: the prefetch (4) was full of waiting limited messages, so it was not claimed...
    expect(ranBefore).toBeGreaterThanOrEqual(12 - 4 - 1);
    // ...and not last: once claimed, it ran past the limited ones still waiting.
    expect(ranBefore).toBeLessThan(12);
    for (const r of limited) await r.get({ timeout: 10_000 });
  }, 30_000);
});
