/**
 * The room's event path at the design rate, end to end and short: a dozen Celery workers'
 * task events (`task.multi` lists, published from processes of their own as fast as 100k
 * events a second) read by a control room's real receiver and feed into its history. Every
 * task is in the history once the stream has ended, and the room's status says nothing was
 * lost. How fast is the bench's to say (`npm run bench -- events`); this only holds that
 * nothing is lost, so a slow machine makes it slower, not red.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { publishEventStream, tasksFor } from '../helpers/publish-events.js';
import { statusMessage } from '../helpers/history-faults.js';

/** The design rate, for one second. */
const RATE = 100_000;
const TASKS = tasksFor(RATE);
/** How long the history may go without a task more before the rest count as lost. */
const STALL_MS = 15_000;

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

/** Tasks the history holds ended, as the summary bar counts them. */
async function processed(room: ControlRoom): Promise<number> {
  const r = await room.call('summary:get', {});
  if (!r.ok) throw new Error(r.error.message);
  return (r.value as { processed: number }).processed;
}

/** Waits until the history holds `n` tasks ended, or until it stops moving. @returns how many it holds */
async function settled(room: ControlRoom, n: number): Promise<number> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const now = await processed(room);
    if (now >= n) return now;
    if (now !== last) [last, movedAt] = [now, Date.now()];
    else if (Date.now() - movedAt > STALL_MS) return now;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Tasks by state in the history's file. */
function fileStates(dataDir: string): Record<string, number> {
  const dir = join(dataDir, 'history');
  const [file] = readdirSync(dir).filter((f) => f.endsWith('.sqlite'));
  const db = new Database(join(dir, file!), { readonly: true });
  try {
    const rows = db.prepare('SELECT state, count(*) AS n FROM tasks GROUP BY state').all() as Array<{ state: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  } finally {
    db.close();
  }
}

describe('an event stream at the design rate', () => {
  it('reaches the history whole: every task ended, and no loss in the status', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-event-rate-'));
    const room = new ControlRoom({ dataDir, local: false, initial: { url: redis.url, hostPool: false } });
    let stopped = false;
    try {
      expect((await room.start()).state).toBe('connected');
      const stream = await publishEventStream({ url: redis.url, rate: RATE, tasks: TASKS });
      expect(stream.events).toBe(TASKS * 3);
      const held = await settled(room, TASKS);
      const status = await statusMessage(room);
      expect({ held, status }).toEqual({ held: TASKS, status: expect.not.stringMatching(/missed|lost|dropped/) as unknown });
      await room.stop();
      stopped = true;
      const states = fileStates(dataDir);
      expect((states.SUCCESS ?? 0) + (states.FAILURE ?? 0)).toBe(TASKS);
      expect(states.FAILURE).toBeGreaterThan(0);
    } finally {
      if (!stopped) await room.stop();
    }
  }, 120_000);
});
