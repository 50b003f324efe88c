/**
 * The history store when its file cannot be opened, and what a deleted task leaves behind:
 * an open that fails (a damaged file, a file another program holds locked) closes what it
 * opened, however often the feed tries again; a deleted task's attempts go with it, whatever
 * its row said last, and those a version 3 history left behind are deleted when it opens.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'celeriac-store-faults-'));
/** Holds the database at argv[1] in an exclusive write until stdin closes; says `locked` once it does. */
const HOLD_LOCKED = `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute('CREATE TABLE theirs (x)')
db.execute('BEGIN EXCLUSIVE')
db.execute('INSERT INTO theirs VALUES (1)')
print('locked', flush=True)
sys.stdin.read()
db.execute('COMMIT')
`;
const openFds = (): number => readdirSync('/proc/self/fd').length;

const ev = (type: string, uuid: string, fields: Record<string, unknown> = {}): CeleryEvent =>
  ({ type, uuid, hostname: 'w1@host', utcoffset: 0, pid: 1, clock: 1, timestamp: Date.now() / 1000, ...fields }) as CeleryEvent;

/** A task run, retried once, then succeeded: two attempts. */
const retriedOnce = (id: string): CeleryEvent[] => [
  ev('task-received', id, { name: 'tasks.flaky', retries: 0 }),
  ev('task-started', id),
  ev('task-retried', id, { exception: "IOError('try again')" }),
  ev('task-received', id, { retries: 1 }),
  ev('task-started', id),
  ev('task-succeeded', id, { result: '1' }),
];

/** Opens `path` `times` times, each expected to fail with `code`; @returns the file descriptors left open by them. */
function fdsLeftByFailedOpens(path: string, code: string, times: number): number {
  new Database(':memory:').close(); // the library loaded before counting
  const before = openFds();
  for (let i = 0; i < times; i++) {
    let thrown: unknown;
    try {
      new HistoryStore(path).close();
    } catch (err) {
      thrown = err;
    }
    expect((thrown as { code?: string } | undefined)?.code).toBe(code);
  }
  return openFds() - before;
}

describe('a history file that cannot be opened', () => {
  it('not a database: each failed open closes the file', () => {
    const path = join(tmp(), 'h.sqlite');
    writeFileSync(path, Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)));
    expect(fdsLeftByFailedOpens(path, 'SQLITE_NOTADB', 20)).toBe(0);
  });

  it('locked by another program: each failed open closes the file', async () => {
    const path = join(tmp(), 'h.sqlite');
    // Another program's database in SQLite's default journal mode, held in an exclusive write
    // (by another process: SQLite keeps a closed file open while this process holds its lock).
    const other = spawn('/usr/bin/python3', ['-c', HOLD_LOCKED, path], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        other.stdout.once('data', () => resolve());
        other.once('exit', (code) => reject(new Error(`the locking program ended (${code})`)));
      });
      expect(fdsLeftByFailedOpens(path, 'SQLITE_BUSY', 10)).toBe(0);
    } finally {
      other.stdin.end();
      await new Promise((r) => other.once('exit', r));
    }
  });
});

describe("a deleted task's attempts", () => {
  it('go with it when a later report reset its retries and state', () => {
    const store = new HistoryStore(':memory:');
    store.applyEvents(retriedOnce('r1'));
    expect(store.attempts('r1')).toHaveLength(2);
    // The result backend's meta says retries 0: the row no longer looks retried.
    store.applyMany([{ id: 'r1', state: 'SUCCESS', fields: { retries: 0 } }]);
    expect(store.get('r1')).toMatchObject({ state: 'SUCCESS', retries: 0 });
    store.prune({ maxTasks: 0, maxAgeDays: 30 });
    expect(store.get('r1')).toBeNull();
    expect(store.attempts('r1')).toEqual([]);
    store.close();
  });

  it('left behind by a version 3 history are deleted when it opens, and its deletes take them from then on', () => {
    const path = join(tmp(), 'h.sqlite');
    const store = new HistoryStore(path);
    store.applyEvents([...retriedOnce('orphan'), ...retriedOnce('kept'), ...retriedOnce('later')]);
    store.close();
    // As version 3 left it: the trigger with its condition, and one task deleted past it.
    const db = new Database(path);
    db.exec(`DROP TRIGGER tasks_attempts_deleted;
      CREATE TRIGGER tasks_attempts_deleted AFTER DELETE ON tasks WHEN old.retries > 0 OR old.state = 'RETRY' BEGIN DELETE FROM attempts WHERE task_id = old.id; END;
      UPDATE tasks SET retries = 0 WHERE id IN ('orphan', 'later');
      DELETE FROM tasks WHERE id = 'orphan';
      PRAGMA user_version = 3;`);
    expect(db.prepare("SELECT count(*) FROM attempts WHERE task_id = 'orphan'").pluck().get()).toBe(2);
    db.close();

    const reopened = new HistoryStore(path);
    expect(reopened.attempts('orphan')).toEqual([]);
    expect(reopened.attempts('kept')).toHaveLength(2);
    expect(reopened.attempts('later')).toHaveLength(2);
    reopened.prune({ maxTasks: 0, maxAgeDays: 30 });
    expect(reopened.attempts('later')).toEqual([]); // its row says retries 0
    expect(reopened.attempts('kept')).toEqual([]);
    reopened.close();
  });
});
