/**
 * The history feed recovering from what is not the file's fault: a write refused for what it
 * holds drops that task's events (counted, said, logged once) and the rest go on; a gap's
 * backfill that Redis refuses is tried again, and said; gap backfills (each a SCAN of every
 * stored result on the production Redis) run at most once per interval; stored results too
 * large to read are logged once and counted in the status, not again at every run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryTask } from '../../src-main/service/contract/types/tasks.js';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import type { TaskRecords } from '../../src-main/core/records/record-store.js';
import { HistoryFeed, type HistoryFeedOptions } from '../../src-main/service/history/history-feed.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { succeededEvents, storedSuccess as meta } from '../helpers/history-faults.js';
import { until } from '../helpers/until.js';

const T0 = Date.now() / 1000;
const tmp = (): string => mkdtempSync(join(tmpdir(), 'celeriac-feed-recovery-'));

const succeeded = (id: string, n: number): CeleryEvent[] => succeededEvents(id, n, T0, { started: false });

/** Times Redis ran SCAN so far. */
async function scans(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  return Number(/cmdstat_scan:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

let redis: RedisServer;
let admin: Redis;
beforeAll(async () => {
  redis = await startRedisServer();
  admin = redis.client();
});
afterAll(async () => {
  await redis?.stop();
});

/** A feed on its own file, its log kept; every task it is given is named, so no record is read. */
function feedOn(client: Redis, log: string[], options: HistoryFeedOptions = {}): HistoryFeed {
  return new HistoryFeed(join(tmp(), 'h.sqlite'), client, {} as TaskRecords, () => undefined, { log: (l) => log.push(l), ...options });
}

describe('a write the history refuses for what it holds', () => {
  it("drops that task's events only, counted and said; the tasks with it and after it are written", async () => {
    const log: string[] = [];
    const feed = feedOn(admin, log);
    feed.start();
    try {
      await until(() => feed.problem === null);
      // A report whose field is not a value SQLite can store (an object): its write throws
      // for what it holds, not for the file, and would throw again at every try.
      const bad = { id: 'refused-1', state: 'SUCCESS', fields: { args: { not: 'text' } } as unknown as Partial<HistoryTask> };
      const with_ = Array.from({ length: 50 }, (_, i) => `withbad-${i}`);
      feed.push(with_.flatMap((id, i) => succeeded(id, i)));
      feed.pushReports([bad]);
      await until(() => with_.every((id) => feed.store.get(id)?.state === 'SUCCESS'), 5000);
      const after = Array.from({ length: 50 }, (_, i) => `afterbad-${i}`);
      feed.push(after.flatMap((id, i) => succeeded(id, i)));
      await until(() => after.every((id) => feed.store.get(id)?.state === 'SUCCESS'), 5000);
      expect(feed.store.get('refused-1')).toBeNull();
      expect(feed.problem).toMatch(/^history missed 1 events \(writes the history refused\)/);
      expect(feed.problem).not.toMatch(/not writing/);
      // Another refused later: counted, the cause not logged again.
      feed.pushReports([{ ...bad, id: 'refused-2' }]);
      feed.push(succeeded('marker', 1));
      await until(() => feed.store.get('marker')?.state === 'SUCCESS', 5000);
      expect(feed.store.get('refused-2')).toBeNull();
      expect(log.filter((l) => /was refused/.test(l))).toHaveLength(1);
      expect(log.find((l) => /was refused/.test(l))).toMatch(/SQLite3 can only bind/);
    } finally {
      await feed.stop();
    }
  }, 30_000);
});

describe("a gap's backfill", () => {
  it('that Redis refuses is said and tried again at its next turn', async () => {
    await admin.call('ACL', 'SETUSER', 'noscan', 'on', '>pw', '~*', '&*', '+@all', '-scan');
    const client = new Redis({ port: redis.port, username: 'noscan', password: 'pw', maxRetriesPerRequest: 1 });
    const log: string[] = [];
    const feed = feedOn(client, log, { gapBackfillEveryMs: 500 });
    feed.start();
    try {
      await admin.set('celery-task-meta-refusedgap-1', meta('refusedgap-1', 1));
      feed.eventsLost('the event subscription dropped');
      await until(() => /the gap's backfill failed \(Redis refused the command: this user's ACL does not allow it\); tried again at \d\d:\d\d:\d\d \(one backfill every 0\.5 s at most\)/.test(feed.problem ?? ''), 5000);
      await admin.call('ACL', 'SETUSER', 'noscan', '+scan');
      await until(() => /the gap was backfilled from the result backend \(\d+ results read\)/.test(feed.problem ?? ''), 10_000);
      expect(feed.store.get('refusedgap-1')?.state).toBe('SUCCESS');
    } finally {
      await feed.stop();
      client.disconnect();
    }
  }, 30_000);

  it('runs at once the first time, then at most once per interval however often events are lost', async () => {
    const log: string[] = [];
    const feed = feedOn(admin, log, { gapBackfillEveryMs: 2000 });
    feed.start();
    try {
      await until(() => feed.problem === null);
      const first = Date.now();
      feed.eventsLost('the event subscription dropped');
      await until(() => /the gap was backfilled/.test(feed.problem ?? ''), 5000);
      expect(Date.now() - first).toBeLessThan(1500);
      const before = await scans(admin);
      // Losses again and again, as under sustained overload.
      for (let i = 0; i < 10; i++) {
        feed.eventsLost('the event subscription dropped');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(feed.problem).toMatch(/the gap is backfilled from the result backend at \d\d:\d\d:\d\d \(one backfill every 2 s at most\)/);
      expect(await scans(admin)).toBe(before);
      await until(() => /the gap was backfilled/.test(feed.problem ?? ''), 5000);
      expect(Date.now() - first).toBeGreaterThanOrEqual(2000);
      expect(await scans(admin)).toBeGreaterThan(before);
    } finally {
      await feed.stop();
    }
  }, 30_000);
});

describe('stored results too large to read', () => {
  it('are logged once and counted in the status as of the last backfill, not again at each run', async () => {
    await admin.set('celery-task-meta-huge', Buffer.alloc(65 * 1024 * 1024, 0x61));
    const log: string[] = [];
    const feed = feedOn(admin, log, { gapBackfillEveryMs: 100 });
    feed.start();
    try {
      await until(() => /the history's backfill left out 1 stored result over 64 MiB \(not read\)/.test(feed.problem ?? ''), 10_000);
      for (let i = 0; i < 2; i++) {
        feed.eventsLost('the event subscription dropped');
        await until(() => /the gap was backfilled/.test(feed.problem ?? ''), 10_000);
      }
      expect(feed.problem).toMatch(/the history's backfill left out 1 stored result over 64 MiB/);
      expect(log.filter((l) => /celery-task-meta-huge/.test(l))).toHaveLength(1);
    } finally {
      await feed.stop();
      await admin.del('celery-task-meta-huge');
    }
  }, 60_000);
});
