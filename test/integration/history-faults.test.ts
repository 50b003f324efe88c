/**
 * The history when its file fails: locked by another program, a full disk, a prune that fails,
 * a damaged file; and when events are lost on the way (the pending cap, a subscriber Redis
 * dropped). Each is said in the connection's status and the log, retried, and recovered from
 * by itself; the connection stays up; what ended is in the history in its final state.
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../../src-main/core/app.js';
import { encodeEvent, type CeleryEvent } from '../../src-main/core/events/envelope.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { HistoryFeed, MAX_PENDING_EVENTS } from '../../src-main/service/history/history-feed.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { succeededEvents, storedSuccess as meta, statusMessage } from '../helpers/history-faults.js';
import { until } from '../helpers/until.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'celeriac-history-faults-'));
const T0 = Date.now() / 1000;

const succeeded = (id: string, n: number): CeleryEvent[] => succeededEvents(id, n, T0, { padArgs: 400 });

/** Publishes task events as a Python worker does (task.multi on the event exchange). */
async function publish(redis: Redis, events: CeleryEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 30) await redis.publish('/0.celeryev/task.multi', encodeEvent(events.slice(i, i + 30), 'task.multi', 'celery@py1'));
}

/** The one history file a room keeps in its data folder. */
function historyFile(dataDir: string): string {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.sqlite')) found.push(join(dir, e.name));
    }
  };
  walk(dataDir);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Whether the history holds every one of `ids` (named `<word>-<n>`) in SUCCESS. */
async function allSucceeded(room: ControlRoom, ids: string[]): Promise<boolean> {
  const word = ids[0]!.split('-')[0]!;
  const r = await room.call('tasks:search', { query: `state:SUCCESS ${word}`, limit: 1 });
  return r.ok && (r.value as { total: number }).total === ids.length;
}

let redis: RedisServer;
let client: Redis;
beforeAll(async () => {
  redis = await startRedisServer();
  client = redis.client();
});
afterAll(async () => {
  await redis?.stop();
});

describe('the history file failing under a running control room', () => {
  it('a file locked by another program: said in the status and the log, the events kept and written once it is free', async () => {
    const dir = tmp();
    const room = new ControlRoom({ dataDir: dir, local: false, initial: { url: redis.url, hostPool: false } });
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect((await room.start()).state).toBe('connected');
      const other = new Database(historyFile(dir));
      other.exec('BEGIN EXCLUSIVE');
      const ids = Array.from({ length: 300 }, (_, i) => `lockedtask-${i}`);
      await publish(client, ids.flatMap((id, i) => succeeded(id, i)));
      await until(async () => /history not writing: the file is locked by another program \(SQLITE_BUSY\); retrying \(\d+ events held\)/.test(await statusMessage(room)), 10_000);
      // Held a while: the connection stays up, the events are kept.
      await new Promise((r) => setTimeout(r, 2500));
      expect(await statusMessage(room)).toMatch(/history not writing/);
      other.exec('COMMIT');
      other.close();
      await until(() => allSucceeded(room, ids), 30_000);
      await until(async () => !/history not writing/.test(await statusMessage(room)), 20_000);
      const log = lines.join('');
      expect(log.match(/history: not writing to/g)).toHaveLength(1); // logged once, not at each retry
      expect(log).toMatch(/writing again to .*\.sqlite/);
    } finally {
      process.stderr.write = write;
      await room.stop();
    }
  }, 60_000);

  it('a full disk: said as such, the control room stays up, nothing dropped once there is room again', async () => {
    const dir = tmp();
    const mountPoint = join(dir, 'small');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint]);
    const room = new ControlRoom({ dataDir: join(mountPoint, 'data'), local: false, initial: { url: redis.url, hostPool: false } });
    const filler = join(mountPoint, 'filler');
    try {
      expect((await room.start()).state).toBe('connected');
      // Fill what is left of the disk.
      const fd = openSync(filler, 'w');
      const block = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) writeSync(fd, block);
      } catch {
        // ENOSPC: full
      }
      try {
        for (;;) writeSync(fd, block, 0, 512);
      } catch {
        // full to the last block
      } finally {
        closeSync(fd);
      }
      const ids = Array.from({ length: 2000 }, (_, i) => `fulltask-${i}`);
      await publish(client, ids.flatMap((id, i) => succeeded(id, i)));
      await until(async () => /history not writing: disk full \(SQLITE_FULL\); retrying/.test(await statusMessage(room)), 15_000);
      expect((await room.call('tasks:search', { query: '', limit: 1 })).ok).toBe(true); // the views still answer
      rmSync(filler);
      await until(() => allSucceeded(room, ids), 30_000);
      await until(async () => !/history not writing/.test(await statusMessage(room)), 20_000);
    } finally {
      await room.stop();
      execFileSync('umount', ['-l', mountPoint]);
    }
  }, 60_000);
});

describe('a history damaged where only a read finds it', () => {
  it('the view that found it says so, the file is moved aside, and the views work again on a fresh one', async () => {
    const dir = tmp();
    const options = { dataDir: dir, local: false as const, initial: { url: redis.url, hostPool: false } };
    const ids = Array.from({ length: 300 }, (_, i) => `damagedtask-${i}`);
    const first = new ControlRoom(options);
    await first.start();
    await publish(client, ids.flatMap((id, i) => succeeded(id, i)));
    await until(() => allSucceeded(first, ids));
    await first.stop();
    // The tasks table's root page overwritten: the header, the schema and the open are fine.
    const file = historyFile(dir);
    const probe = new Database(file, { readonly: true });
    const root = probe.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'tasks'").pluck().get() as number;
    const pageSize = probe.pragma('page_size', { simple: true }) as number;
    probe.close();
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0xab), 0, pageSize, (root - 1) * pageSize);
    closeSync(fd);

    const room = new ControlRoom(options);
    try {
      expect((await room.start()).state).toBe('connected');
      let said = '';
      await until(async () => {
        const r = await room.call('tasks:search', { query: 'state:SUCCESS damagedtask' });
        if (!r.ok) said = r.error.message;
        return r.ok;
      });
      if (said) expect(said).toMatch(/the history file was damaged: it was moved aside/);
      expect(readdirSync(join(file, '..')).some((f) => f.includes('.sqlite.corrupt-'))).toBe(true);
      expect(await statusMessage(room)).toMatch(/history file was damaged: moved aside to .*\.corrupt-/);
    } finally {
      await room.stop();
    }
  }, 60_000);
});

describe('the history feed', () => {
  const feedOn = (path: string, app: App, log: string[]): HistoryFeed => new HistoryFeed(path, app.broker, app.records, () => undefined, { log: (l) => log.push(l) });

  it('a prune that fails (the file locked) does not throw out of start; it is said and retried', async () => {
    const path = join(tmp(), 'h.sqlite');
    new HistoryStore(path).close();
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    const app = createApp({ broker: redis.url });
    const log: string[] = [];
    // Opened before the lock would be the usual case; here the open itself meets the lock too.
    const feed = feedOn(path, app, log);
    try {
      expect(() => feed.start()).not.toThrow();
      await until(() => /history (not pruning|file could not be opened): the file is locked by another program/.test(feed.problem ?? ''), 5000);
      other.exec('COMMIT');
      other.close();
      await until(() => feed.problem === null, 20_000);
      expect(log.join('\n')).toMatch(/SQLITE_BUSY/);
    } finally {
      await feed.stop();
      await app.close();
    }
  }, 30_000);

  it('a prune that fails on an open file is said and retried', async () => {
    const path = join(tmp(), 'h.sqlite');
    const app = createApp({ broker: redis.url });
    const log: string[] = [];
    const feed = feedOn(path, app, log);
    feed.start();
    try {
      await until(() => feed.problem === null);
      const other = new Database(path);
      other.exec('BEGIN EXCLUSIVE');
      (feed as unknown as { pruneDue: boolean }).pruneDue = true; // the hourly timer's turn
      await until(() => /history not pruning: the file is locked by another program \(SQLITE_BUSY\); retrying/.test(feed.problem ?? ''), 5000);
      other.exec('COMMIT');
      other.close();
      await until(() => feed.problem === null, 20_000);
      expect(log.filter((l) => /not pruning/.test(l))).toHaveLength(1);
    } finally {
      await feed.stop();
      await app.close();
    }
  }, 30_000);

  for (const damage of ['garbage bytes', 'a real history cut short'] as const) {
    it(`a damaged file (${damage}) is moved aside, named in the log, and a fresh one backfilled`, async () => {
      const dir = tmp();
      const path = join(dir, 'h.sqlite');
      if (damage === 'garbage bytes') writeFileSync(path, Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)));
      else {
        const store = new HistoryStore(path);
        for (let k = 0; k < 10; k++) store.applyEvents(Array.from({ length: 500 }, (_, i) => succeeded(`old-${k}-${i}`, i)).flat());
        store.close();
        truncateSync(path, Math.floor(statSync(path).size / 2));
      }
      const damaged = readFileSync(path);
      const ids = Array.from({ length: 50 }, (_, i) => `${damage.length}-kept-${i}`);
      for (const [i, id] of ids.entries()) await client.set(`celery-task-meta-${id}`, meta(id, i));
      const app = createApp({ broker: redis.url });
      const log: string[] = [];
      const feed = feedOn(path, app, log);
      feed.start();
      try {
        const aside = readdirSync(dir).filter((f) => /^h\.sqlite\.corrupt-/.test(f) && !/-(wal|shm)$/.test(f));
        expect(aside).toHaveLength(1);
        expect(readFileSync(join(dir, aside[0]!)).equals(damaged)).toBe(true); // kept as it was
        expect(log.join('\n')).toContain(join(dir, aside[0]!));
        expect(feed.problem).toMatch(/history file was damaged: moved aside to .*corrupt-/);
        await until(() => ids.every((id) => feed.store.get(id)?.state === 'SUCCESS'));
        expect(feed.store.search('').total).toBeGreaterThanOrEqual(ids.length);
      } finally {
        await feed.stop();
        await app.close();
      }
    });
  }

  it('the pending-events cap: the events it drops are counted and said, and the gap is backfilled', async () => {
    const app = createApp({ broker: redis.url });
    const log: string[] = [];
    const feed = feedOn(join(tmp(), 'h.sqlite'), app, log);
    feed.start();
    try {
      await until(() => feed.problem === null);
      // The cap is full (a flood nobody writes yet), then 1000 tasks' events come.
      const ids = Array.from({ length: 1000 }, (_, i) => `capped-${i}`);
      for (const [i, id] of ids.entries()) await client.set(`celery-task-meta-${id}`, meta(id, i));
      const filler = { type: 'worker-heartbeat', hostname: 'celery@py1', timestamp: T0 } as unknown as CeleryEvent;
      feed.push(Array.from({ length: MAX_PENDING_EVENTS }, () => filler));
      feed.push(ids.flatMap((id, i) => succeeded(id, i)));
      expect(feed.problem).toMatch(/^history missed 3000 events \(the pending-events cap was full\)/);
      await until(() => ids.every((id) => feed.store.get(id)?.state === 'SUCCESS'), 20_000);
      await until(() => /the gap was backfilled from the result backend/.test(feed.problem ?? ''));
      expect(log.join('\n')).toMatch(/history: missed 3000 events \(the pending-events cap was full\); backfilled the gap from the result backend \(\d+ results read\)/);
    } finally {
      await feed.stop();
      await app.close();
    }
  }, 30_000);
});

describe('writes failing for long', () => {
  it('hold at most the cap: what comes over it is counted, said, and backfilled once the file is free', async () => {
    const path = join(tmp(), 'h.sqlite');
    const app = createApp({ broker: redis.url });
    const log: string[] = [];
    const feed = new HistoryFeed(path, app.broker, app.records, () => undefined, { log: (l) => log.push(l) });
    feed.start();
    const other = new Database(path);
    try {
      await until(() => feed.problem === null);
      other.exec('BEGIN EXCLUSIVE');
      const held = Array.from({ length: 1000 }, (_, i) => `heldtask-${i}`);
      feed.push(held.flatMap((id, i) => succeeded(id, i)));
      await until(() => /^history not writing: the file is locked by another program \(SQLITE_BUSY\); retrying \(3000 events held\)/.test(feed.problem ?? ''), 5000);
      const over = Array.from({ length: 500 }, (_, i) => `overtask-${i}`);
      for (const [i, id] of over.entries()) await client.set(`celery-task-meta-${id}`, meta(id, i));
      const filler = { type: 'worker-heartbeat', hostname: 'celery@py1', timestamp: T0 } as unknown as CeleryEvent;
      feed.push(Array.from({ length: MAX_PENDING_EVENTS - 3000 }, () => filler));
      feed.push(over.flatMap((id, i) => succeeded(id, i)));
      expect(feed.problem).toMatch(/history missed 1500 events \(the pending-events cap was full while the history could not be written\)/);
      other.exec('COMMIT');
      await until(() => [...held, ...over].every((id) => feed.store.get(id)?.state === 'SUCCESS'), 30_000);
      await until(() => !/not writing/.test(feed.problem ?? '') && /the gap was backfilled/.test(feed.problem ?? ''), 10_000);
    } finally {
      other.close();
      await feed.stop();
      await app.close();
    }
  }, 60_000);
});

describe('the event subscription dropped by Redis', () => {
  it('its output buffer limit: the status says events were lost, and every task with a result ends final in the history', async () => {
    const admin = redis.client();
    const [, before] = (await admin.config('GET', 'client-output-buffer-limit')) as string[];
    const room = new ControlRoom({ dataDir: tmp(), local: false, initial: { url: redis.url, hostPool: false } });
    try {
      expect((await room.start()).state).toBe('connected');
      await admin.config('SET', 'client-output-buffer-limit', 'pubsub 64kb 32kb 1');
      // A flood written at once (a script runs before the subscriber reads a byte): its output
      // buffer passes the limit and Redis closes it. Each task's result is stored as it ends.
      const ids = Array.from({ length: 400 }, (_, i) => `floodtask-${i}`);
      const script = `for i, id in ipairs(KEYS) do redis.call('SET', 'celery-task-meta-' .. id, ARGV[i * 2 - 1]); redis.call('PUBLISH', '/0.celeryev/task.multi', ARGV[i * 2]) end`;
      const args = ids.flatMap((id, i) => [meta(id, i), encodeEvent(succeeded(id, i), 'task.multi', 'celery@py1')]);
      await admin.eval(script, ids.length, ...ids, ...args);
      await until(async () => /history missed an unknown number of events \(the event subscription dropped/.test(await statusMessage(room)), 15_000);
      await until(() => allSucceeded(room, ids), 20_000);
      await until(async () => /the gap was backfilled from the result backend/.test(await statusMessage(room)), 20_000);
    } finally {
      await admin.config('SET', 'client-output-buffer-limit', before === undefined ? 'pubsub 32mb 8mb 60' : `pubsub ${/pubsub (\S+ \S+ \S+)/.exec(before)?.[1] ?? '32mb 8mb 60'}`);
      admin.disconnect();
      await room.stop();
    }
  }, 60_000);
});
