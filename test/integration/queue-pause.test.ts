/** A paused queue's messages wait while the same Celeriac worker serves its other queue; resumed, they run. */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { PausedQueues } from '../../src-main/core/broker/paused-queues.js';
import { useRedisSuite } from '../helpers/suite.js';

let redis: Redis;
let app: App;
useRedisSuite((s) => ({ redis, app } = s), { worker: { concurrency: 2, name: 'ts@pause', queues: ['held', 'served'] } });

describe('pausing a queue', () => {
  it('holds its messages where they are while the worker serves another queue, and resumes', async () => {
    const paused = new PausedQueues(redis);
    await paused.pause('held');
    await new Promise((r) => setTimeout(r, 300));
    const waiting = await app.sendTask('tasks.add', [1, 1], {}, { queue: 'held' });
    const served = await app.sendTask('tasks.add', [2, 2], {}, { queue: 'served' });
    expect(await served.get({ timeout: 5000 })).toBe(4);
    await new Promise((r) => setTimeout(r, 500));
    expect(await redis.llen('held')).toBe(1);
    expect(await waiting.state()).toBe('PENDING');
    await paused.resume('held');
    expect(await waiting.get({ timeout: 5000 })).toBe(2);
  });
});
