/**
 * The history's feed holds a task in flight in memory: its events until it ends are one write,
 * not one per flush; a task that does not end is written once it has been held long enough;
 * whatever is held is written when the feed stops; what is written in flight has its text
 * indexed once nothing else waits.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import type { TaskRecords } from '../../src-main/core/records/record-store.js';
import { HistoryFeed, type HistoryFeedOptions } from '../../src-main/service/history/history-feed.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const T0 = Date.now() / 1000;
function event(type: string, uuid: string, fields: Record<string, unknown> = {}): CeleryEvent {
  return { type, uuid, hostname: 'celery@a', utcoffset: 0, pid: 1, clock: 1, timestamp: T0, ...fields };
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

/** A feed on its own file, and how many writes touched each task. */
function feedOn(options: HistoryFeedOptions): { feed: HistoryFeed; path: string; writes: Map<string, number>; deferred: boolean[]; reports: Array<{ id: string; state: string }> } {
  const path = join(mkdtempSync(join(tmpdir(), 'celeriac-hold-')), 'h.sqlite');
  const feed = new HistoryFeed(path, redis.client(), {} as TaskRecords, () => undefined, { log: () => undefined, ...options });
  const writes = new Map<string, number>();
  const deferred: boolean[] = [];
  const written: Array<{ id: string; state: string }> = [];
  const store = feed.store;
  const apply = store.apply.bind(store);
  store.apply = (events, reports, now, options) => {
    for (const id of new Set([...events.map((e) => e.uuid as string), ...reports.map((r) => r.id)])) writes.set(id, (writes.get(id) ?? 0) + 1);
    deferred.push(options?.deferText === true);
    written.push(...reports.map((r) => ({ id: r.id, state: r.state })));
    return apply(events, reports, now, options);
  };
  return { feed, path, writes, deferred, reports: written };
}

describe('a task in flight, held by the feed', () => {
  it('is written once, when it ends, however many flushes its events span', async () => {
    const { feed, writes } = feedOn({ holdMs: 60_000 });
    feed.start();
    try {
      feed.push([event('task-received', 'short', { name: 'tasks.add', args: '(1, 2)' })]);
      await pause(200); // several flushes (every 50 ms)
      feed.push([event('task-started', 'short')]);
      await pause(200);
      expect(feed.store.get('short')).toBeNull();
      feed.push([event('task-succeeded', 'short', { result: '3' })]);
      await until(() => feed.store.get('short')?.state === 'SUCCESS');
      expect(feed.store.get('short')).toMatchObject({ name: 'tasks.add', args: '(1, 2)', result: '3' });
      expect(writes.get('short')).toBe(1);
    } finally {
      await feed.stop();
    }
  });

  it('is written once held long enough, its text indexed in the background; what is held is written at stop', async () => {
    const { feed, path, writes } = feedOn({ holdMs: 300 });
    feed.start();
    feed.push([event('task-received', 'long', { name: 'tasks.crunch', args: "('pluto',)" }), event('task-started', 'long')]);
    await until(() => feed.store.get('long')?.state === 'STARTED');
    expect(writes.get('long')).toBe(1);
    const flag = (id: string): unknown => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare('SELECT text_indexed FROM tasks WHERE id = ?').pluck().get(id);
      } finally {
        db.close();
      }
    };
    await until(() => flag('long') === 1);
    feed.push([event('task-received', 'atstop', { name: 'tasks.crunch' })]);
    await feed.stop();
    const reopened = new HistoryStore(path);
    expect(reopened.get('atstop')?.state).toBe('RECEIVED');
    expect(reopened.search('pluto').tasks.map((t) => t.id)).toEqual(['long']);
    reopened.close();
  });

  it('a flood: its tasks written without their text, indexed once it is over', async () => {
    const { feed, path, deferred } = feedOn({});
    feed.start();
    try {
      const ids = Array.from({ length: 5000 }, (_, i) => `flood-${i}`);
      feed.push(ids.flatMap((id) => [event('task-received', id, { name: 'tasks.flood', args: "('neptune',)" }), event('task-succeeded', id)]));
      await until(() => feed.store.search('').total === 5000);
      expect(deferred).toContain(true);
      await until(() => {
        const db = new Database(path, { readonly: true });
        try {
          return db.prepare('SELECT count(*) FROM tasks WHERE text_indexed = 0').pluck().get() === 0;
        } finally {
          db.close();
        }
      });
      expect(feed.store.search('neptune').total).toBe(5000);
    } finally {
      await feed.stop();
    }
  });

  it("merges a task's report of the state it has pending into the pending one (the room's send, then the record's announcement)", async () => {
    const { feed, reports } = feedOn({ holdMs: 200 });
    feed.start();
    try {
      feed.pushReports([{ id: 'sent', state: 'PENDING', fields: { name: 'tasks.resize', queue: 'images', group_id: 'b1' } }]);
      feed.pushRecords([{ id: 'sent', state: 'PENDING', group: 'b1', at: Date.now() }]);
      feed.pushReports([{ id: 'sent', state: 'PENDING', fields: { eta: '2026-12-08T00:00:00' } }]);
      feed.pushRecords([{ id: 'sent', state: 'STARTED', group: 'b1', at: Date.now() }]);
      await until(() => feed.store.get('sent')?.state === 'STARTED');
      expect(reports.filter((r) => r.id === 'sent')).toEqual([{ id: 'sent', state: 'PENDING' }, { id: 'sent', state: 'STARTED' }]);
      expect(feed.store.get('sent')).toMatchObject({ name: 'tasks.resize', queue: 'images', group_id: 'b1', eta: '2026-12-08T00:00:00' });
    } finally {
      await feed.stop();
    }
  });
});
