/**
 * A batch's first items can finish before whoever sent it has written the batch: its tracker
 * must count them all the same. The feed here is driven by the test (what it hears, and when);
 * the batches, their records and Redis are real.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchSummary } from '../../src-main/service/contract/types/batches.js';
import { createApp, type App } from '../../src-main/core/app.js';
import { planBatch } from '../../src-main/core/batch/plan.js';
import { sendBatch } from '../../src-main/core/batch/send.js';
import { BatchTracker } from '../../src-main/service/batches/batch-tracker.js';
import type { RecordChange, RecordFeed } from '../../src-main/service/history/record-feed.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

let server: RedisServer;
let app: App;
beforeAll(async () => {
  server = await startRedisServer();
  app = createApp({ broker: server.url, taskRecords: true });
});
afterAll(async () => {
  await app?.close();
  await server?.stop();
});

/** A tracker whose feed says what the test tells it, and the summaries it pushed. */
function tracked(): { tracker: BatchTracker; hear: (changes: RecordChange[]) => void; pushed: BatchSummary[] } {
  let listener: (changed: readonly RecordChange[]) => void = () => undefined;
  const feed = { onChange: (l: typeof listener) => ((listener = l), () => undefined), onReconnect: () => () => undefined } as unknown as RecordFeed;
  const pushed: BatchSummary[] = [];
  const tracker = new BatchTracker(app, feed, (changed) => pushed.push(...changed));
  tracker.start();
  return { tracker, hear: (changes) => listener(changes), pushed };
}
const files = (n: number) => planBatch({ params: [{ name: 'path', type: 'file' }], files: Array.from({ length: n }, (_, i) => `/tmp/f${i}`) });
const change = (id: string, state: string, group: string): RecordChange => ({ id, state, group, at: Date.now() });

describe('a batch whose items finish before it is written', () => {
  it('counts what its own items did while it was being sent', async () => {
    const { tracker, hear, pushed } = tracked();
    // The items fail while sendMany returns, before the batch is written or tracked.
    const send = app.sendMany.bind(app);
    app.sendMany = async (calls) => {
      const results = await send(calls);
      hear(results.map((r) => change(r.id, 'FAILURE', calls[0]!.options!.group!)));
      return results;
    };
    try {
      const batch = await tracker.create({ task: 'checksum', files: files(3).map((f) => f.input!) }, [{ name: 'path', type: 'file' }]);
      expect(batch.counts).toMatchObject({ failed: 3, waiting: 0 });
      await until(() => pushed.some((s) => s.id === batch.id && s.finished));
    } finally {
      app.sendMany = send;
      tracker.stop();
    }
  });

  it('follows a batch sent elsewhere whose first changes came before it was written', async () => {
    const { tracker, hear, pushed } = tracked();
    const id = randomUUID();
    hear([change(randomUUID(), 'STARTED', id)]); // looked up: no batch yet
    const { items } = await sendBatch(app, files(2), { id, task: 'checksum' });
    await new Promise((r) => setTimeout(r, 1_100));
    hear(items.map((it) => change(it.id, 'SUCCESS', id)));
    try {
      await until(() => pushed.some((s) => s.id === id && s.finished));
      expect(pushed.filter((s) => s.id === id).at(-1)).toMatchObject({ total: 2, counts: { succeeded: 2 } });
    } finally {
      tracker.stop();
    }
  });
});
