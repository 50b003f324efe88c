/** The history's store on disk: merge, search (qualifiers and full text), retention, reopen. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import Database from 'better-sqlite3';
import { HistoryStore } from '../../src-main/service/history/history-store.js';

const T0 = 1_795_000_000;
const ev = (type: string, uuid: string, dt: number, fields: Record<string, unknown> = {}): CeleryEvent =>
  ({ type, uuid, hostname: 'celery@py1', utcoffset: 0, pid: 1, clock: 1, timestamp: T0 + dt, ...fields }) as CeleryEvent;

function populated(path: string): HistoryStore {
  const store = new HistoryStore(path);
  const events: CeleryEvent[] = [];
  for (let i = 0; i < 300; i++) {
    const id = `t-${i}`;
    const name = i % 3 === 0 ? 'tasks.resize' : 'tasks.add';
    events.push(ev('task-received', id, i, { name, args: `('photo-${i}.jpg', 300)`, kwargs: '{}', queue: i % 2 ? 'images' : 'celery' }));
    events.push(ev('task-started', id, i + 0.1));
    if (i % 10 === 0) events.push(ev('task-failed', id, i + 0.2, { exception: `KeyError('size-${i}')`, traceback: `Traceback (most recent call last):\n  File "resize.py", line ${i}\nKeyError: 'size-${i}'` }));
    else events.push(ev('task-succeeded', id, i + 0.2, { result: String(i), runtime: i / 1000 }));
  }
  store.applyEvents(events, T0 + 400);
  return store;
}

describe('the history store', () => {
  it('finds tasks by qualifiers and by full text, and counts every match', () => {
    const store = populated(':memory:');
    expect(store.count()).toBe(300);
    const failed = store.search('state:FAILURE');
    expect(failed.total).toBe(30);
    expect(failed.tasks[0]).toMatchObject({ state: 'FAILURE', worker: 'celery@py1', exception: expect.stringMatching(/^KeyError/) });
    expect(store.search('state:FAILURE name:tasks.resize').total).toBe(10); // i % 30 === 0
    expect(store.search('exception:KeyError -name:tasks.add').total).toBe(10);
    expect(store.search('state:FAILURE,SUCCESS queue:images').total).toBe(150);
    expect(store.search('photo-42').tasks.map((t) => t.id)).toEqual(['t-42']);
    expect(store.search('resize.py state:FAILURE').total).toBe(30); // in the traceback
    expect(store.search('size-120').tasks.map((t) => t.id)).toEqual(['t-120']);
    const page = store.search('', { offset: 10, limit: 5 });
    expect(page.total).toBe(300);
    expect(page.tasks).toHaveLength(5);
    expect(store.search('name:tasks.add', { sort: 'runtime', limit: 1 }).tasks[0]!.id).toBe('t-299');
    store.close();
  });

  it('keeps a SUCCESS when a late task-received arrives, but takes the fields it brings', () => {
    const store = new HistoryStore(':memory:');
    store.applyEvents([ev('task-succeeded', 'late', 2, { result: '5', runtime: 0.1 }), ev('task-received', 'late', 1, { name: 'tasks.add', args: '(2, 3)' })]);
    expect(store.get('late')).toMatchObject({ state: 'SUCCESS', name: 'tasks.add', args: '(2, 3)', result: '5' });
    store.close();
  });

  it('takes the same report again at the same instant (nothing to update is no empty UPDATE that fails the write)', () => {
    const store = new HistoryStore(':memory:');
    store.applyMany([{ id: 'twice', state: 'PENDING', fields: {} }], T0);
    expect(() => store.applyMany([{ id: 'twice', state: 'PENDING', fields: {} }, { id: 'other', state: 'SUCCESS', fields: {} }], T0)).not.toThrow();
    expect(store.get('other')?.state).toBe('SUCCESS');
    store.close();
  });

  it("indexes a task's text again when a later write changes it, once", () => {
    const store = new HistoryStore(':memory:');
    store.applyEvents([ev('task-received', 'two-step', 1, { name: 'tasks.add', args: "('alpha',)" })]);
    store.applyEvents([ev('task-started', 'two-step', 2)]); // no new text: not re-indexed
    store.applyEvents([ev('task-succeeded', 'two-step', 3, { result: "'omega'", runtime: 1 })]);
    expect(store.search('alpha').total).toBe(1);
    expect(store.search('omega').tasks.map((t) => t.id)).toEqual(['two-step']);
    expect(store.search('alpha omega').total).toBe(1);
    store.close();
  });

  it('survives a reopen, and prunes past its retention', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'celeriac-history-')), 'history', 'local.sqlite');
    populated(path).close();
    const again = new HistoryStore(path);
    expect(again.count()).toBe(300);
    expect(again.search('state:FAILURE').total).toBe(30);
    expect(again.prune({ maxTasks: 100, maxAgeDays: 30 }, T0 + 400)).toBe(200);
    expect(again.count()).toBe(100);
    expect(again.search('photo-299').total).toBe(1); // the newest stay, and their text index with them
    expect(again.search('photo-5').total).toBe(0);
    again.close();
  });
});

describe('a history written by the first version (an FTS index kept by triggers)', () => {
  it('opens, keeps its tasks and finds them by their text', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'celeriac-history-v1-')), 'old.sqlite');
    const old = new Database(path);
    old.exec(`
      CREATE TABLE tasks (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT, state TEXT NOT NULL, args TEXT, kwargs TEXT, result TEXT, exception TEXT, traceback TEXT,
        worker TEXT, queue TEXT, retries INTEGER, eta TEXT, expires TEXT, parent_id TEXT, root_id TEXT, group_id TEXT,
        received_at REAL, started_at REAL, succeeded_at REAL, failed_at REAL, runtime REAL, seen_at REAL NOT NULL, updated_at REAL NOT NULL);
      CREATE VIRTUAL TABLE tasks_fts USING fts5(id, name, args, kwargs, result, exception, traceback, content='tasks', content_rowid='rowid');
      CREATE TABLE counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
      INSERT INTO counts VALUES ('tasks', 0);
      CREATE TRIGGER tasks_count_ai AFTER INSERT ON tasks BEGIN UPDATE counts SET n = n + 1 WHERE name = 'tasks'; END;
      CREATE TRIGGER tasks_ai AFTER INSERT ON tasks BEGIN
        INSERT INTO tasks_fts(rowid, id, name, args, kwargs, result, exception, traceback) VALUES (new.rowid, new.id, new.name, new.args, new.kwargs, new.result, new.exception, new.traceback);
      END;
      INSERT INTO tasks (id, name, state, args, exception, seen_at, updated_at) VALUES ('old-1', 'tasks.resize', 'FAILURE', '(''holiday.jpg'',)', 'KeyError(''w'')', ${T0}, ${T0});
    `);
    old.close();
    const store = new HistoryStore(path);
    expect(store.count()).toBe(1);
    expect(store.search('holiday').tasks.map((t) => t.id)).toEqual(['old-1']);
    store.applyEvents([ev('task-received', 'new-1', 5, { name: 'tasks.add', args: '(1, 2)' })]);
    expect(store.count()).toBe(2);
    expect(store.search('holiday').total).toBe(1); // no trigger of the old index is left to double it
    store.close();
  });
});

describe('select all matching', () => {
  it('gives the ids a query matches, newest first, at most the limit', () => {
    const store = populated(':memory:');
    const ids = store.ids('state:FAILURE', 5);
    expect(ids).toHaveLength(5);
    expect(ids[0]).toBe('t-290');
    expect(store.ids('photo-42', 10)).toEqual(['t-42']);
    expect(() => store.ids('colour:red', 10)).toThrow(/unknown qualifier/);
    store.close();
  });
});

describe('groups', () => {
  it('lists a group\'s tasks by group: and says how many are done, through the partial index', () => {
    const store = new HistoryStore(':memory:');
    store.applyMany([
      { id: 'm1', state: 'SUCCESS', fields: { group_id: 'g1' } },
      { id: 'm2', state: 'FAILURE', fields: { group_id: 'g1' } },
      { id: 'm3', state: 'STARTED', fields: { group_id: 'g1' } },
      { id: 'other', state: 'SUCCESS', fields: {} },
    ]);
    expect(store.search('group:g1').tasks.map((t) => t.id).sort()).toEqual(['m1', 'm2', 'm3']);
    expect(store.groupProgress('g1')).toEqual({ total: 3, done: 2 });
    expect(store.groupProgress('none')).toEqual({ total: 0, done: 0 });
    const plan = (store as unknown as { db: { prepare(sql: string): { all(...p: unknown[]): Array<{ detail: string }> } } }).db
      .prepare('EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE group_id = ?').all('g1');
    expect(plan.map((p) => p.detail).join(' ')).toContain('tasks_group_seen');
    store.close();
  });
});
