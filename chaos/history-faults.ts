/**
 * The chaos scenario's faults on the control room's history: its disk full (the serve's data
 * folder on a small tmpfs, filled to the last block for a few seconds), its file locked by
 * another program (an exclusive transaction held a few seconds), and its event subscriber
 * dropped by Redis (as the pub/sub output buffer limit drops it). And, at the end, what the
 * history says of every task sent.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Redis } from 'ioredis';

/** A folder on a tmpfs of its own (root only): null where it cannot be mounted. */
export interface SmallDisk {
  dir: string;
  /** Fills it to the last block; @returns what frees it again */
  fill(): () => void;
  unmount(): void;
}

export function mountSmallDisk(dir: string, megabytes: number): SmallDisk | null {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    fill: () => {
      const fd = openSync(filler, 'w');
      try {
        for (const size of [1024 * 1024, 64 * 1024, 512]) {
          const block = Buffer.alloc(size, 1);
          try {
            for (;;) writeSync(fd, block);
          } catch {
            // ENOSPC: down to the next block size
          }
        }
      } finally {
        closeSync(fd);
      }
      return () => rmSync(filler, { force: true });
    },
    unmount: () => {
      rmSync(filler, { force: true });
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    },
  };
}

/** The history file a serve keeps in its data folder (the newest, if a damaged one was replaced). */
export function historyFileOf(dataDir: string): string | null {
  const dir = join(dataDir, 'history');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.sqlite'));
  } catch {
    return null;
  }
  files.sort((a, b) => statSync(join(dir, b)).mtimeMs - statSync(join(dir, a)).mtimeMs);
  return files[0] ? join(dir, files[0]) : null;
}

/** Holds the history file locked (another program's exclusive transaction) for `ms`. */
export async function lockHistory(file: string, ms: number): Promise<void> {
  const other = new Database(file, { timeout: 5000 });
  try {
    other.exec('BEGIN EXCLUSIVE');
    await new Promise((r) => setTimeout(r, ms));
    other.exec('COMMIT');
  } finally {
    other.close();
  }
}

/**
 * Closes every pattern subscriber (the control room's event stream: workers subscribe to
 * channels, not patterns), as Redis does when one passes its pub/sub output buffer limit.
 * @returns how many were closed
 */
export async function dropEventSubscribers(redis: Redis): Promise<number> {
  const list = (await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
  let closed = 0;
  for (const line of list.split('\n')) {
    const id = /\bid=(\d+)/.exec(line)?.[1];
    if (!id || !/\bpsub=[1-9]/.test(line)) continue;
    closed += Number(await redis.call('CLIENT', 'KILL', 'ID', id));
  }
  return closed;
}

/** How many of `ids` the history holds in each state (MISSING: not at all). */
export function historyStates(file: string, ids: readonly string[]): Record<string, number> {
  const db = new Database(file, { readonly: true, timeout: 5000 });
  try {
    const counts: Record<string, number> = {};
    const stateOf = db.prepare<[string], { state: string }>('SELECT state FROM tasks WHERE id = ?');
    for (const id of ids) {
      const state = stateOf.get(id)?.state ?? 'MISSING';
      counts[state] = (counts[state] ?? 0) + 1;
    }
    return counts;
  } finally {
    db.close();
  }
}
