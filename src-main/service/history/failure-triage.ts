/**
 * A failure group's triage as the user marked it: resolved or ignored, and when; a group never
 * marked (or opened again) has no row and is open. Kept in the connection's history (the
 * history is per Redis), so a mark outlives a restart; the history stays a cache all the same:
 * a damaged file replaced by a fresh one forgets the marks, as it forgets what the backfill
 * cannot read back.
 *
 * What a mark means for a group now (failures since, regressed) is worked out where the groups
 * are read (overview/failure-groups.ts), from the failures the history holds, whichever worker
 * failed: a Python worker's failure regresses a resolved group as a Celeriac worker's does.
 *
 * Written by the feed only (the history's one writer): a handler hands a mark over through its
 * face (history-reader.ts).
 */
import type Database from 'better-sqlite3';

export type TriageMarkState = 'resolved' | 'ignored';

/** A group's mark: its key (failure-groups.ts), its state, and when it was marked (unix s). */
export interface TriageMark {
  key: string;
  state: TriageMarkState;
  at: number;
}

/** A failing task as the ignored groups' count reads it. */
export interface NamedFailure {
  name: string | null;
  exception: string | null;
}

/**
 * Marks kept at most: past it, the ones marked longest ago go, so a history that saw many
 * causes come and go does not keep every mark it was ever given. A group far past the
 * retention has no failures left to show a mark on anyway.
 */
export const MAX_TRIAGE_MARKS = 10_000;

/** The marks of one history file. */
export class TriageMarks {
  private readonly all: Database.Statement<[], TriageMark>;
  private readonly put: Database.Statement<[string, string, number]>;
  private readonly drop: Database.Statement<[string]>;
  private readonly trim: Database.Statement<[number]>;
  private readonly namedFailures: Database.Statement<[number, string, number], NamedFailure>;
  private readonly unnamedFailures: Database.Statement<[number, number], NamedFailure>;

  constructor(db: Database.Database) {
    this.all = db.prepare('SELECT key, state, at FROM failure_triage');
    this.put = db.prepare('INSERT INTO failure_triage (key, state, at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state, at = excluded.at');
    this.drop = db.prepare('DELETE FROM failure_triage WHERE key = ?');
    this.trim = db.prepare('DELETE FROM failure_triage WHERE key IN (SELECT key FROM failure_triage ORDER BY at DESC LIMIT -1 OFFSET ?)');
    const newest = (which: string): string => `SELECT name, substr(exception, 1, ?) AS exception FROM tasks WHERE state = 'FAILURE' AND ${which} ORDER BY seen_at DESC LIMIT ?`;
    this.namedFailures = db.prepare(newest('name = ?'));
    this.unnamedFailures = db.prepare(newest('name IS NULL'));
  }

  /** Every mark, by group key. */
  marks(): Map<string, TriageMark> {
    return new Map(this.all.all().map((m) => [m.key, m]));
  }

  /**
   * Marks a group resolved or ignored at `at` (marked again: from `at` on), or opens it again.
   * @returns the mark now, or null for open
   */
  mark(key: string, state: TriageMarkState | 'open', at: number): TriageMark | null {
    if (state === 'open') {
      this.drop.run(key);
      return null;
    }
    this.put.run(key, state, at);
    this.trim.run(MAX_TRIAGE_MARKS);
    return { key, state, at };
  }

  /**
   * The newest FAILURE tasks of these task names (null: the unnamed), at most `limit` in all,
   * each with the first `exceptionChars` + 1 characters of its exception (as
   * HistoryStore.failures reads them): what the ignored groups' failures are counted from. Read
   * name by name through the (state, name, seen_at) index, newest first, so no other task's
   * failure is read and no name's past what is left of `limit`. One row at a time: nothing
   * else may use the database until they are all read (better-sqlite3's iterator).
   */
  *failuresNamed(names: ReadonlyArray<string | null>, limit: number, exceptionChars: number): Generator<NamedFailure> {
    let read = 0;
    for (const name of names) {
      if (read >= limit) return;
      const rows = name === null ? this.unnamedFailures.iterate(exceptionChars + 1, limit - read) : this.namedFailures.iterate(exceptionChars + 1, name, limit - read);
      for (const row of rows) {
        read++;
        yield row;
      }
    }
  }
}
