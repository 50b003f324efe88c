/**
 * The history's pending events are bounded by size as well as by count: events whose fields are
 * tens of kilobytes each fill the size cap long before the count's; what comes over it is
 * counted and said as the count cap's losses are, and the gap is backfilled from the result
 * backend. Once written, the room they held is free again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createApp } from '../../src-main/core/app.js';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { heldChars } from '../../src-main/service/history/feed-chunks.js';
import { HistoryFeed, MAX_PENDING_CHARS, MAX_PENDING_EVENTS } from '../../src-main/service/history/history-feed.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { succeededEvents, storedSuccess as meta } from '../helpers/history-faults.js';
import { until } from '../helpers/until.js';

const T0 = Date.now() / 1000;

const succeeded = (id: string, n: number): CeleryEvent[] => succeededEvents(id, n, T0);

let redis: RedisServer;
let client: Redis;
beforeAll(async () => {
  redis = await startRedisServer();
  client = redis.client();
});
afterAll(async () => {
  await redis?.stop();
});

describe('the pending events\' size cap', () => {
  it('estimates an event by its text fields', () => {
    expect(heldChars({ type: 'task-failed', traceback: 'x'.repeat(60_000) })).toBeGreaterThanOrEqual(60_011);
    expect(heldChars({ type: 'task-started' })).toBeLessThan(100);
    expect(heldChars({ type: 'worker-heartbeat', loadavg: [0.5, 0.25, 0.125], nested: { text: 'y'.repeat(10_000) } })).toBeGreaterThan(10_000);
  });

  it('drops what comes over it, counted and said, and backfills the gap', async () => {
    const app = createApp({ broker: redis.url });
    const log: string[] = [];
    const feed = new HistoryFeed(join(mkdtempSync(join(tmpdir(), 'celeriac-pending-size-')), 'h.sqlite'), app.broker, app.records, () => undefined, { log: (l) => log.push(l) });
    feed.start();
    try {
      await until(() => feed.problem === null);
      // Events with 64 kB fields (one string shared: the test's own memory stays small), far
      // fewer than the count's cap, fill the size cap; then 1000 tasks' events come.
      const big = 'x'.repeat(64 * 1024);
      const fillers = Math.ceil(MAX_PENDING_CHARS / big.length) + 10;
      expect(fillers).toBeLessThan(MAX_PENDING_EVENTS / 10);
      const filler = { type: 'worker-heartbeat', hostname: 'celery@py1', timestamp: T0, note: big } as unknown as CeleryEvent;
      const ids = Array.from({ length: 1000 }, (_, i) => `sized-${i}`);
      for (const [i, id] of ids.entries()) await client.set(`celery-task-meta-${id}`, meta(id, i));
      feed.push(Array.from({ length: fillers }, () => filler));
      feed.push(ids.flatMap((id, i) => succeeded(id, i)));
      // The last filler's room left takes a few of the small task events; the rest are lost.
      const said = /^history missed (\d+) events \(the pending events' size cap \(128 MiB\) was full\); backfilling the gap/.exec(feed.problem ?? '');
      expect(said, feed.problem ?? '').not.toBeNull();
      const lost = Number(said![1]);
      expect(lost).toBeGreaterThan(2900);
      expect(lost).toBeLessThanOrEqual(3000);
      await until(() => ids.every((id) => feed.store.get(id)?.state === 'SUCCESS'), 20_000);
      await until(() => /the gap was backfilled from the result backend/.test(feed.problem ?? ''), 20_000);
      expect(log.join('\n')).toContain(`history: missed ${lost} events (the pending events' size cap (128 MiB) was full); backfilled the gap`);
      expect(log.join('\n')).toMatch(/history: missed \d+ events \(the pending events' size cap \(128 MiB\) was full\); backfilled the gap from the result backend \(\d+ results read\)/);
      // Written, the room is free: the next events are taken, none lost.
      const later = Array.from({ length: 10 }, (_, i) => `sizedlater-${i}`);
      feed.push(later.flatMap((id, i) => succeeded(id, i)));
      expect(feed.problem).toMatch(new RegExp(`^history missed ${lost} events`));
      await until(() => later.every((id) => feed.store.get(id)?.state === 'SUCCESS'), 10_000);
    } finally {
      await feed.stop();
      await app.close();
    }
  }, 60_000);
});
