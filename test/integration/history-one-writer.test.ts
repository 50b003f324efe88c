/**
 * The history has one writer, its feed. Handlers are handed a read-only face: a search merges
 * the records it reads into its answer without writing them, and a task's page merges its
 * record and stored result by the history's rule, hands them to the feed, and is told of its
 * task once (not at every read, which would reload the page forever). The page's merged state
 * is the list's, where the record and the stored result disagree.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { HistoryTask } from '../../src-main/service/contract/types/tasks.js';
import type { App } from '../../src-main/core/app.js';
import { RECORDS } from '../../src-main/core/keys.js';
import { encodeRecord, type TaskRecord } from '../../src-main/core/records/task-record.js';
import type { ConnectionParts } from '../../src-main/service/calls/handler-types.js';
import { HistoryFeed } from '../../src-main/service/history/history-feed.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { ok } from '../helpers/contract.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

let app: App;
let redis: Redis;
useRedisSuite((s) => ({ app, redis } = s));

/** A service with its history in a file of its own, and the ids it told the lists of. */
async function startService(): Promise<{ svc: ConnectionService; path: string; told: string[] }> {
  const path = join(mkdtempSync(join(tmpdir(), 'celeriac-one-writer-')), 'history.sqlite');
  const svc = new ConnectionService(app, undefined, { historyPath: path });
  const told: string[] = [];
  svc.onEvent((event, data) => {
    if (event === 'tasks:changed') told.push(...(data as Array<{ id: string }>).map((c) => c.id));
  });
  await svc.start();
  return { svc, path, told };
}

/** A task's row as stored in the history's file, read by a connection of its own. */
function storedRow(path: string, id: string): HistoryTask | undefined {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as HistoryTask | undefined;
  } finally {
    db.close();
  }
}

const record = (id: string, fields: Partial<TaskRecord>): TaskRecord => ({
  id, name: 'tasks.one_writer', queue: 'celery', state: 'PENDING', argsrepr: '(1,)', kwargsrepr: '{}', priority: 0, eta: null, retries: 0, group: null, ...fields,
});

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("the history's one writer", () => {
  it('hands handlers a face with no write method', async () => {
    const feed = new HistoryFeed(':memory:', app.broker, app.records, () => undefined);
    try {
      for (const write of ['apply', 'applyMany', 'applyEvents', 'prune', 'noteWorkersOnline', 'close']) expect(feed.face).not.toHaveProperty(write);
      expect(feed.face.count()).toBe(0);
      // @ts-expect-error the history handlers are handed cannot write
      const applyMany: ConnectionParts['history']['applyMany'] = undefined;
      expect(applyMany).toBeUndefined();
    } finally {
      await feed.stop();
    }
  });

  it('a search merges the records it reads into its answer and writes nothing; a page read is told to the lists once', async () => {
    const { svc, path, told } = await startService();
    try {
      const id = randomUUID();
      await app.records.write(record(id, { state: 'PROGRESS', progress: { current: 1, total: 10 } }));
      await until(() => storedRow(path, id)?.name === 'tasks.one_writer');
      // The record moves on without an announcement: only a read of it finds the new progress.
      await redis.hset(RECORDS, id, encodeRecord(record(id, { state: 'PROGRESS', progress: { current: 5, total: 10 } })));
      await pause(200);
      const before = storedRow(path, id);
      told.length = 0;

      const found = await ok(svc.call('tasks:search', { query: id }));
      expect(found.tasks.find((t) => t.id === id)).toMatchObject({ state: 'PROGRESS', progress_current: 5 });
      await pause(300);
      expect(storedRow(path, id)).toEqual(before);
      expect(told).not.toContain(id);

      // The page hands what it read to the feed: written once, told once, however often it is read.
      expect(await ok(svc.call('tasks:get', { id }))).toMatchObject({ state: 'PROGRESS', history: { progress_current: 5 } });
      await until(() => storedRow(path, id)?.progress_current === 5);
      await until(() => told.includes(id));
      for (let i = 0; i < 3; i++) await ok(svc.call('tasks:get', { id }));
      await pause(300);
      expect(told.filter((t) => t === id)).toEqual([id]);
    } finally {
      await svc.stop();
    }
  });

  it("shows on a task's page the state the list shows, where the record and the stored result disagree", async () => {
    const { svc } = await startService();
    try {
      const id = randomUUID();
      const listed = async (): Promise<string | undefined> => (await ok(svc.call('tasks:search', { query: id }))).tasks.find((t) => t.id === id)?.state;
      await app.records.write(record(id, { state: 'STARTED', worker: 'elsewhere@host', started: Date.now() }));
      await until(async () => (await listed()) === 'STARTED');
      // A worker that writes no records (a Python one) stored its result.
      await app.backend.store({ task_id: id, status: 'SUCCESS', result: 42, traceback: null, children: [], date_done: new Date().toISOString().slice(0, -1), name: 'tasks.one_writer' } as never);
      expect(await listed()).toBe('STARTED');

      const page = await ok(svc.call('tasks:get', { id }));
      expect(page).toMatchObject({ state: 'SUCCESS', history: { state: 'SUCCESS', name: 'tasks.one_writer', worker: 'elsewhere@host', result: '42' } });
      await until(async () => (await listed()) === page.state);
    } finally {
      await svc.stop();
    }
  });
});
