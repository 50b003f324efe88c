/**
 * The history indexes a task's text lazily: a task still in flight is written without it and
 * found by a search all the same; its text is indexed once, when it ends (or by the feed's
 * background pass); the retention deletes a row never indexed without damaging the index; a
 * version 4 file takes the new column and keeps every row's text; a state told twice writes
 * nothing the second time.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';

const T0 = 1_795_000_000;
const file = (): string => join(mkdtempSync(join(tmpdir(), 'celeriac-lazy-text-')), 'h.sqlite');

function event(type: string, uuid: string, fields: Record<string, unknown> = {}): CeleryEvent {
  return { type, uuid, hostname: 'celery@a', utcoffset: 0, pid: 1, clock: 1, timestamp: T0, ...fields };
}
const received = (id: string): CeleryEvent => event('task-received', id, { name: 'tasks.resize', args: "('sunflower.jpg', 300)", kwargs: '{}' });

/** The row's text_indexed flag, and whether the full-text index itself finds the word. */
function indexed(path: string, id: string, word: string): { flag: number; inIndex: boolean } {
  const db = new Database(path, { readonly: true });
  try {
    const flag = db.prepare('SELECT text_indexed FROM tasks WHERE id = ?').pluck().get(id) as number;
    const inIndex = db.prepare('SELECT 1 FROM tasks t JOIN tasks_text f ON f.rowid = t.rowid WHERE tasks_text MATCH ? AND t.id = ?').get(`"${word}"*`, id) !== undefined;
    return { flag, inIndex };
  } finally {
    db.close();
  }
}

function integrityOk(store: HistoryStore, path: string): void {
  store.close();
  const db = new Database(path);
  // FTS5's own check: a contentless index told to delete text it never had fails it.
  expect(() => db.exec("INSERT INTO tasks_text(tasks_text, rank) VALUES ('integrity-check', 0)")).not.toThrow();
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();
}

describe('the history text index, written lazily', () => {
  it('leaves a task in flight out of the index, finds it by its words all the same, and indexes it once when it ends', () => {
    const path = file();
    const store = new HistoryStore(path);
    store.applyEvents([received('t1'), event('task-started', 't1')]);
    expect(indexed(path, 't1', 'sunflower')).toEqual({ flag: 0, inIndex: false });
    expect(store.search('sunflower').tasks.map((t) => t.id)).toEqual(['t1']);
    expect(store.search('SUNFLOW state:STARTED').total).toBe(1);
    expect(store.search('sunflower state:SUCCESS').total).toBe(0);
    expect(store.search('sunflower nothere').total).toBe(0);

    store.applyEvents([event('task-succeeded', 't1', { result: "'done-ok'" })]);
    expect(indexed(path, 't1', 'sunflower')).toEqual({ flag: 1, inIndex: true });
    expect(store.search('done').tasks.map((t) => t.id)).toEqual(['t1']);
    integrityOk(store, path);
  });

  it('indexes what was written in flight when asked, a slice at a time', () => {
    const path = file();
    const store = new HistoryStore(path);
    store.applyEvents(['a', 'b', 'c'].map(received));
    expect(store.indexDueText(2)).toBe(2);
    expect(store.indexDueText(2)).toBe(1);
    expect(store.indexDueText(2)).toBe(0);
    expect(indexed(path, 'c', 'sunflower')).toEqual({ flag: 1, inIndex: true });
    // Its text changes once indexed: the old text leaves the index.
    store.applyEvents([event('task-failed', 'c', { exception: "KeyError('gone')" })]);
    expect(store.search('gone').tasks.map((t) => t.id)).toEqual(['c']);
    integrityOk(store, path);
  });

  it('leaves even ended tasks out of the index when told to defer it (a flood), and finds them all the same', () => {
    const path = file();
    const store = new HistoryStore(path);
    store.apply([received('f1'), event('task-succeeded', 'f1', { result: "'flooded'" })], [], T0, { deferText: true });
    expect(indexed(path, 'f1', 'flooded')).toEqual({ flag: 0, inIndex: false });
    expect(store.search('flooded').tasks.map((t) => t.id)).toEqual(['f1']);
    expect(store.indexDueText(10)).toBe(1);
    expect(indexed(path, 'f1', 'flooded')).toEqual({ flag: 1, inIndex: true });
    integrityOk(store, path);
  });

  it('deletes rows never indexed without damaging the index', () => {
    const path = file();
    const store = new HistoryStore(path);
    store.applyEvents([received('x'), received('y'), event('task-succeeded', 'y')]);
    expect(store.prune({ maxTasks: 0, maxAgeDays: 30 })).toBe(2);
    expect(store.search('sunflower').total).toBe(0);
    integrityOk(store, path);
  });

  it('opens a version 4 file: every row stays indexed and searchable, and its deletes keep the index whole', () => {
    const path = file();
    const store = new HistoryStore(path);
    store.applyEvents([received('old'), event('task-succeeded', 'old')]);
    store.close();
    // As version 4 left it: no text_indexed column, the delete trigger without its condition.
    const db = new Database(path);
    db.exec(`DROP INDEX tasks_text_due; DROP TRIGGER tasks_deleted; ALTER TABLE tasks DROP COLUMN text_indexed;
      CREATE TRIGGER tasks_deleted AFTER DELETE ON tasks BEGIN
        INSERT INTO tasks_text(tasks_text, rowid, id, name, args, kwargs, result, exception, traceback) VALUES ('delete', old.rowid, old.id, old.name, old.args, old.kwargs, old.result, old.exception, old.traceback);
      END;
      PRAGMA user_version = 4;`);
    db.close();
    const reopened = new HistoryStore(path);
    expect(reopened.search('sunflower').tasks.map((t) => t.id)).toEqual(['old']);
    reopened.applyEvents([received('new')]);
    expect(reopened.prune({ maxTasks: 0, maxAgeDays: 30 })).toBe(2);
    integrityOk(reopened, path);
  });

  it('writes nothing when a task is told a state it has (its event, then its record)', () => {
    const path = file();
    const store = new HistoryStore(path);
    store.applyEvents([received('d'), event('task-succeeded', 'd')], T0 + 1);
    const before = store.get('d');
    store.applyMany([{ id: 'd', state: 'SUCCESS', fields: {} }], T0 + 5);
    expect(store.get('d')).toEqual(before);
    store.applyMany([{ id: 'd', state: 'SUCCESS', fields: { worker: 'celery@b' } }], T0 + 6);
    expect(store.get('d')).toMatchObject({ worker: 'celery@b', updated_at: T0 + 6 });
    store.close();
  });
});
