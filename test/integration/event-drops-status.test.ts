/**
 * Events the receiver dropped or cut on arrival are said in the connection's status note, as
 * the history's problems are: a task event with a 100 kB traceback (kept, its field cut), and a
 * message of more events than one message may hold (the rest dropped).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEvent, type CeleryEvent } from '../../src-main/core/events/envelope.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { MAX_EVENTS_PER_MESSAGE } from '../../src-main/service/cluster/event-limits.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { statusMessage } from '../helpers/history-faults.js';
import { until } from '../helpers/until.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

const event = (type: string, uuid: string, fields: Record<string, unknown> = {}): CeleryEvent =>
  ({ type, uuid, hostname: 'celery@py1', utcoffset: 0, pid: 1, clock: 1, timestamp: Date.now() / 1000, ...fields }) as unknown as CeleryEvent;

describe('events dropped or cut on arrival', () => {
  it('are said in the connection status note', async () => {
    const room = new ControlRoom({ dataDir: mkdtempSync(join(tmpdir(), 'celeriac-event-drops-')), local: false, initial: { url: redis.url, hostPool: false } });
    const client = redis.client();
    try {
      expect((await room.start()).state).toBe('connected');
      expect(await statusMessage(room)).not.toMatch(/on arrival/);
      const failed = event('task-failed', 'big-1', { exception: "ValueError('boom')", traceback: `Traceback (most recent call last):\n${'  File "x.py", line 1\n'.repeat(5000)}ValueError: boom` });
      await client.publish('/0.celeryev/task.failed', encodeEvent(failed, 'task.failed', 'celery@py1'));
      await until(async () => /events cut on arrival: 1 with a large field cut/.test(await statusMessage(room)), 10_000);
      const many = Array.from({ length: MAX_EVENTS_PER_MESSAGE + 7 }, (_, i) => event('task-started', `many-${i}`));
      await client.publish('/0.celeryev/task.multi', encodeEvent(many, 'task.multi', 'celery@py1'));
      await until(async () => (await statusMessage(room)) === `events dropped on arrival: 7 beyond ${MAX_EVENTS_PER_MESSAGE} in one message; events cut on arrival: 1 with a large field cut (marked in it)`, 10_000);
    } finally {
      client.disconnect();
      await room.stop();
    }
  }, 30_000);
});
