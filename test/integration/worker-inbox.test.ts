import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { INBOX_STALE_MS, restoreAbandonedInboxes } from '../../src-main/core/broker/inbox.js';
import { INBOXES, inboxKey } from '../../src-main/core/keys.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';
import { startWorker } from '../helpers/worker.js';

let redis: Redis;
let app: App;
let url: string;
useRedisSuite((s) => ({ redis, app, url } = { ...s, url: s.server.url }));

/**
 * A waiting worker's BLMOVE moves the message it wakes for into its inbox, and its claim takes
 * it from there an instant later. What a worker leaves in its inbox (killed in that instant,
 * or stopping as a wait ended) goes back to its queue: nothing is lost, nothing runs twice.
 */
describe("a worker's inbox", () => {
  /** Sends a task to `queue`, then moves it into the inbox of worker `id` as its wait would. */
  async function leaveInInbox(id: string, queue: string, seen: number): Promise<string> {
    const r = await app.sendTask('tasks.add', [20, 22], {}, { queue });
    await redis.hset(INBOXES, id, JSON.stringify({ seen, lists: [queue] }));
    expect(await redis.lmove(queue, inboxKey(id, queue), 'RIGHT', 'LEFT')).not.toBeNull();
    return r.id;
  }

  it('is handed back by any worker once its owner is gone, and the task runs', async () => {
    const queue = uniqueName('inbox-dead');
    const id = await leaveInInbox('dead-worker', queue, Date.now() - INBOX_STALE_MS - 1000);
    // Any worker's sweep (one runs as a worker starts) finds it.
    const worker = await startWorker(url, { concurrency: 1, queues: [queue] });
    try {
      expect(await app.asyncResult(id).get({ timeout: 10_000 })).toBe(42);
      expect(await redis.hexists(INBOXES, 'dead-worker')).toBe(0);
      expect(await redis.llen(inboxKey('dead-worker', queue))).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it('is left alone while its owner refreshes it', async () => {
    const queue = uniqueName('inbox-live');
    await leaveInInbox('live-worker', queue, Date.now());
    expect(await restoreAbandonedInboxes(redis)).toBe(0);
    expect(await redis.llen(inboxKey('live-worker', queue))).toBe(1);
    expect(await redis.llen(queue)).toBe(0);
    // Gone quiet: handed back, to the front of its queue.
    expect(await restoreAbandonedInboxes(redis, Date.now() + INBOX_STALE_MS + 1000)).toBe(1);
    expect(await redis.llen(queue)).toBe(1);
  });

  it('is handed back by its owner when it stops', async () => {
    const queue = uniqueName('inbox-stop');
    const before = new Set(Object.keys(await redis.hgetall(INBOXES)));
    const worker = await startWorker(url, { concurrency: 1, queues: [queue] });
    const id = Object.keys(await redis.hgetall(INBOXES)).find((k) => !before.has(k))!;
    expect(JSON.parse((await redis.hget(INBOXES, id))!)).toMatchObject({ lists: [queue, `${queue}\x06\x163`, `${queue}\x06\x166`, `${queue}\x06\x169`] });
    // A message its last wait moved in as it stopped consuming (made on another queue, so that
    // the waiting worker does not wake for it).
    const r = await app.sendTask('tasks.add', [1, 2], {}, { queue: `${queue}-made` });
    await redis.lmove(`${queue}-made`, inboxKey(id, queue), 'RIGHT', 'LEFT');
    await worker.stop();
    expect(await redis.llen(inboxKey(id, queue))).toBe(0);
    expect(await redis.llen(queue)).toBe(1);
    expect(await redis.hexists(INBOXES, id)).toBe(0);
    const next = await startWorker(url, { concurrency: 1, queues: [queue] });
    try {
      expect(await r.get({ timeout: 10_000 })).toBe(3);
    } finally {
      await next.stop();
    }
  });

  it('runs each task a wait ended with once: started before its claim is back, not again when it is', async () => {
    const queue = uniqueName('inbox-wake');
    const worker = await startWorker(url, { concurrency: 2, queues: [queue] });
    try {
      for (let i = 0; i < 20; i++) expect(await (await app.sendTask('tasks.add', [i, 1], {}, { queue })).get({ timeout: 10_000 })).toBe(i + 1);
      // Every claim acked: none left behind by a message both started early and claimed.
      await until(async () => (await redis.hlen('unacked')) === 0);
      expect(worker.stats.succeeded).toBe(20);
    } finally {
      await worker.stop();
    }
  });
});
