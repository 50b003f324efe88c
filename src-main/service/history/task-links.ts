/**
 * Tasks the control room resent with edits, kept both ways in the connection's history: the
 * original's page says what it was resent as, the new task's page what it was resent from. A
 * retry in place with edits is kept too, as a link from the task to itself. The history stays a
 * cache: a damaged file replaced by a fresh one forgets them, as it forgets everything the
 * backfill cannot read back.
 *
 * Written by the feed only (the history's one writer): a handler hands a link over through its
 * face (history-reader.ts), and a link the file refuses for now is held and written again.
 */
import type Database from 'better-sqlite3';
import type { ResendLinks, TaskLink } from '../contract/types/resend.js';

/** Links a page lists at most (a task resent more often than this shows the newest). */
const MAX_LISTED = 100;
/** Links held at most while the file cannot be written (each one a user's send). */
const MAX_HELD = 1000;

/** The links of one history file. */
export class TaskLinks {
  private readonly insert: Database.Statement<[string, string, string, number]>;
  private readonly from: Database.Statement<[string, number], TaskLink>;
  private readonly to: Database.Statement<[string, number], TaskLink>;

  constructor(db: Database.Database) {
    this.insert = db.prepare('INSERT OR IGNORE INTO task_links (from_id, to_id, mode, at) VALUES (?, ?, ?, ?)');
    this.from = db.prepare(`SELECT from_id AS "from", to_id AS "to", mode, at FROM task_links WHERE from_id = ? ORDER BY at DESC LIMIT ?`);
    this.to = db.prepare(`SELECT from_id AS "from", to_id AS "to", mode, at FROM task_links WHERE to_id = ? ORDER BY at DESC LIMIT ?`);
  }

  add(link: TaskLink): void {
    this.insert.run(link.from, link.to, link.mode, link.at);
  }

  /** What a task was resent as, what it was resent from, and its retries in place with edits. */
  of(id: string): ResendLinks {
    const out = this.from.all(id, MAX_LISTED);
    const into = this.to.all(id, MAX_LISTED);
    return {
      resentAs: out.filter((l) => l.to !== id),
      resentFrom: into.find((l) => l.from !== id) ?? null,
      editedInPlace: out.filter((l) => l.to === id).map((l) => l.at),
    };
  }
}

/** Links handed over while the file could not take them, written at the feed's next turn. */
export class HeldLinks {
  private held: TaskLink[] = [];

  /** Writes a link now, or holds it when the file refuses (the feed says the file's trouble). */
  hand(link: TaskLink, write: (link: TaskLink) => void): void {
    try {
      write(link);
    } catch {
      if (this.held.length < MAX_HELD) this.held.push(link);
    }
  }

  /** Writes what is held, in order; what fails again stays held. */
  writeHeld(write: (link: TaskLink) => void): void {
    while (this.held.length > 0) {
      try {
        write(this.held[0]!);
      } catch {
        return;
      }
      this.held.shift();
    }
  }
}
