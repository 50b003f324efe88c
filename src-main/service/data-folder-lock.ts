/**
 * One control room per data folder: two on one folder would write one history and one set of
 * counters from two places and disagree. The first writes `room.json` in the folder (its pid,
 * and the URL it serves once it listens); a second refuses at start, naming the first, while
 * that one lives. A file left by one that died (its pid gone) is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CeleriacError } from '../core/errors.js';
import { writeFileAtomic } from './atomic-file.js';
import { pidAlive } from './pid-alive.js';

export const LOCK_FILE = 'room.json';

/** What the lock file says of the control room that holds the folder. */
export interface FolderOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** Where it serves, without its token; absent until it listens (or for the desktop app). */
  url?: string;
}

export class DataFolderInUseError extends CeleriacError {
  constructor(readonly owner: FolderOwner, dataDir: string) {
    const where = owner.url ? `, serving ${owner.url}` : '';
    super(`another Celeriac control room (pid ${owner.pid} on ${owner.host}${where}, since ${owner.startedAt}) uses the data folder ${dataDir}; stop it first, or give this one another --data-dir`, 'E_DATA_FOLDER_IN_USE');
  }
}

/** A lock file larger than this is not one of ours: it is taken over, not parsed. */
const MAX_LOCK_BYTES = 64 * 1024;

export class DataFolderLock {
  private released = false;

  private constructor(
    private readonly file: string,
    private owner: FolderOwner,
  ) {}

  /** Takes the folder. @throws DataFolderInUseError while another live control room holds it */
  static acquire(dataDir: string): DataFolderLock {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = join(dataDir, LOCK_FILE);
    const owner: FolderOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    // Created exclusively: of two starting at once, one creates it and the other reads it.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileSync(file, JSON.stringify(owner), { flag: 'wx', mode: 0o600 });
        return new DataFolderLock(file, owner);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readOwner(file);
      // This process again (a room stopped and started in one process): it is ours.
      if (holder && holder.pid === process.pid && holder.host === owner.host) {
        const lock = new DataFolderLock(file, owner);
        lock.write();
        return lock;
      }
      if (holder && (holder.host !== owner.host || pidAlive(holder.pid))) throw new DataFolderInUseError(holder, dataDir);
      // Unreadable: maybe one starting this instant, between creating it and writing it.
      if (!holder && attempt === 0) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
        continue;
      }
      // Its owner is gone (or the file is not one of ours): taken over.
      rmSync(file, { force: true });
    }
    throw new CeleriacError(`could not take the data folder ${dataDir}: ${file} keeps coming back`, 'E_DATA_FOLDER_IN_USE');
  }

  /** Notes where this control room serves (its token left out), for a second one's message. */
  noteUrl(url: string): void {
    const u = new URL(url);
    u.search = '';
    u.username = '';
    u.password = '';
    this.owner = { ...this.owner, url: u.toString() };
    this.write();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const holder = readOwner(this.file);
    if (holder?.pid === this.owner.pid && holder.host === this.owner.host) rmSync(this.file, { force: true });
  }

  /** Through a temporary file and a rename: a reader never sees half of it. */
  private write(): void {
    if (this.released) return;
    writeFileAtomic(this.file, JSON.stringify(this.owner));
  }
}

function readOwner(file: string): FolderOwner | null {
  try {
    const text = readFileSync(file, 'utf8');
    if (text.length > MAX_LOCK_BYTES) return null;
    const v = JSON.parse(text) as Partial<FolderOwner>;
    if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0) return null;
    return {
      pid: v.pid,
      host: typeof v.host === 'string' ? v.host.slice(0, 256) : hostname(),
      startedAt: typeof v.startedAt === 'string' ? v.startedAt.slice(0, 64) : 'an unknown time',
      url: typeof v.url === 'string' ? v.url.slice(0, 2048) : undefined,
    };
  } catch {
    return null; // gone meanwhile, or not ours
  }
}
