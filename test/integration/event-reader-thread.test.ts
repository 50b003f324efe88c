/**
 * The control room reads its event subscription on a thread of its own: while its main thread
 * is held (a long history write, a slow view), the thread reads on, so Redis never holds enough
 * for the room to drop it at its pub/sub output buffer limit, and every task reaches the
 * history once the main thread is free. Past what the thread may hold, what it drops is
 * counted and said, and the gap backfilled.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { EventReceiver } from '../../src-main/service/cluster/event-receiver.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { publishEventStream } from '../helpers/publish-events.js';
import { statusMessage } from '../helpers/history-faults.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Holds this thread (the room's main thread) as a long synchronous piece of work would. */
function holdMainThread(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

let redis: RedisServer;
let admin: Redis;
let drops: number;
beforeAll(async () => {
  redis = await startRedisServer();
  admin = redis.client();
  drops = 0;
  redis.process.stdout!.on('data', (d: Buffer) => {
    drops += d.toString().split('overcoming of output buffer limits').length - 1;
  });
  // Small enough that two seconds of the stream unread pass it many times over.
  await admin.config('SET', 'client-output-buffer-limit', 'pubsub 512kb 256kb 1');
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

async function tasksInHistory(room: ControlRoom, query = ''): Promise<number> {
  const r = await room.call('tasks:search', { query, limit: 1 });
  if (!r.ok) throw new Error(r.error.message);
  return (r.value as { total: number }).total;
}

describe('the event subscription read on a thread of its own', () => {
  it('keeps a room whose main thread is held subscribed: nothing is dropped by Redis, and every task reaches the history', async () => {
    const room = new ControlRoom({ dataDir: mkdtempSync(join(tmpdir(), 'celeriac-reader-thread-')), local: false, initial: { url: redis.url, hostPool: false } });
    try {
      expect((await room.start()).state).toBe('connected');
      // 6,000 tasks, 18,000 events at 12k/s (~4 MB/s on the wire): the publishers start 500 ms on.
      const stream = publishEventStream({ url: redis.url, rate: 12_000, tasks: 6000, publishers: 1 });
      await pause(700);
      holdMainThread(2000);
      const published = await stream;
      expect(published.events).toBe(18_000);
      await until(async () => (await tasksInHistory(room)) === 6000, 30_000);
      await until(async () => (await tasksInHistory(room, '-state:SUCCESS -state:FAILURE')) === 0, 10_000);
      expect(drops).toBe(0);
      expect(await statusMessage(room)).not.toMatch(/missed|lost|behind/);
    } finally {
      await room.stop();
    }
  }, 60_000);

  it('drops what is over its bound while the room is held, counted and said: the gap is told', async () => {
    const gaps: string[] = [];
    const got: CeleryEvent[] = [];
    const logged: string[] = [];
    const receiver = new EventReceiver(() => redis.client(), 0, (events) => got.push(...events), (line) => logged.push(line), { url: redis.url, redisOptions: {}, maxHeldChars: 64 * 1024 });
    receiver.onGap = (why) => gaps.push(why);
    await receiver.start();
    try {
      const stream = publishEventStream({ url: redis.url, rate: 12_000, tasks: 3000, publishers: 1, firstTask: 100_000 });
      await pause(700);
      holdMainThread(1500);
      await stream;
      await until(() => gaps.length > 0, 10_000);
      expect(gaps).toContain('the control room fell behind the event stream');
      expect(receiver.drops.totals()['room-behind']).toBeGreaterThan(0);
      expect(logged.join('\n')).toMatch(/the control room fell behind the event stream: \d+ event messages were dropped/);
      expect(got.length).toBeGreaterThan(0);
      expect(drops).toBe(0);
    } finally {
      receiver.stop();
    }
  }, 60_000);
});
