/**
 * One control room per data folder: two on one folder would write one history and one set of
 * counters from two places and disagree. The first writes `room.json` in the folder (its pid,
 * when that process started, and the URL it serves once it listens); a second refuses at start,
 * naming the first, while that one lives. A file left by one that died (its pid gone, or taken
 * by a later process) is taken over.
 */
import { closeSync, fstatSync, linkSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CeleriacError } from '../../core/errors.js';
import { tempPathBeside, writeFileAtomic } from './atomic-file.js';
import { pidAlive } from './pid-alive.js';
import { processStart } from './process-start.js';

export const LOCK_FILE = 'room.json';

/** What the lock file says of the control room that holds the folder. */
export interface FolderOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** When its process started, as the kernel says (processStart); absent where that is not known. */
  processStart?: string;
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
    const started = processStart(process.pid);
    const owner: FolderOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), ...(started ? { processStart: started } : {}) };
    // Stale files moved aside are removed only once this one has created its own: their inodes
    // are not free meanwhile, so a fresh file never has the one a slower starter judged stale.
    const asides: string[] = [];
    try {
      return DataFolderLock.take(dataDir, file, owner, started, asides);
    } finally {
      for (const aside of asides) rmSync(aside, { force: true, recursive: true });
    }
  }

  private static take(dataDir: string, file: string, owner: FolderOwner, started: string | null, asides: string[]): DataFolderLock {
    // An unreadable file waited for once (by its inode): maybe one starting this instant.
    let waitedFor: number | null = null;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (createWhole(file, JSON.stringify(owner))) return new DataFolderLock(file, owner);
      const found = readLockFile(file);
      if (!found) continue; // removed meanwhile: create it again
      const holder = found.owner;
      // This process again (a room stopped and started in one process): it is ours.
      if (holder && holder.pid === process.pid && holder.host === owner.host && sameStart(holder, started)) {
        const lock = new DataFolderLock(file, owner);
        lock.write();
        return lock;
      }
      if (holder && (holder.host !== owner.host || ownerAlive(holder))) throw new DataFolderInUseError(holder, dataDir);
      // Unreadable: maybe one starting this instant that could not create it whole (below).
      if (!holder && found.ino !== waitedFor) {
        waitedFor = found.ino;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
        continue;
      }
      // Its owner is gone (or the file is not one of ours): taken over, then created afresh above.
      const aside = moveStaleAside(file, found);
      if (aside) asides.push(aside);
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
    const holder = readLockFile(this.file)?.owner;
    if (holder?.pid === this.owner.pid && holder.host === this.owner.host) rmSync(this.file, { force: true });
  }

  /** Through a temporary file and a rename: a reader never sees half of it. */
  private write(): void {
    if (this.released) return;
    writeFileAtomic(this.file, JSON.stringify(this.owner));
  }
}

/** Whether the file's process started when this one did; a file or a system that does not say is taken at its pid's word. */
function sameStart(holder: FolderOwner, started: string | null): boolean {
  return !holder.processStart || !started || holder.processStart === started;
}

/** Whether the holder's process still runs: its pid, and, where both are known, the same start (not a later process given its pid). */
function ownerAlive(holder: FolderOwner): boolean {
  return pidAlive(holder.pid) && sameStart(holder, processStart(holder.pid));
}

/**
 * Creates `file` holding `text`, unless it exists. Written to a file of its own first and then
 * linked to the name (which fails when the name exists), so a reader never finds it empty or
 * half written; where the file system has no hard links, created exclusively and then written.
 * @returns false when the file exists
 */
function createWhole(file: string, text: string): boolean {
  const tmp = tempPathBeside(file, 'new');
  writeFileSync(tmp, text, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
  try {
    writeFileSync(file, text, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** A lock file as read: its owner (null when it is not one of ours), its text and its inode. */
interface LockFileSeen {
  owner: FolderOwner | null;
  text: string;
  ino: number;
}

/**
 * Moves a stale lock file out of the way, by a rename to a name of its own: of two starters
 * that both judged it stale, the second's rename takes the first's fresh file instead. So the
 * file moved is checked to be the one judged (its inode and text); one that is not is put back
 * (a link: never over a file created meanwhile) and the folder read again.
 * @returns where the stale file now is, for the caller to remove once it holds the folder; null when none was moved
 */
function moveStaleAside(file: string, judged: LockFileSeen): string | null {
  const aside = tempPathBeside(file, 'stale');
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null; // another starter moved it first
    throw err;
  }
  const moved = readLockFile(aside);
  if (moved && moved.ino === judged.ino && moved.text === judged.text) return aside;
  try {
    linkSync(aside, file);
  } catch {
    // EEXIST: a file was created meanwhile, which the next read finds.
  }
  rmSync(aside, { force: true });
  return null;
}

/** The lock file as it is now; null when there is none. */
function readLockFile(file: string): LockFileSeen | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const ino = fstatSync(fd).ino;
    const buffer = Buffer.alloc(MAX_LOCK_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    const text = buffer.subarray(0, length).toString('utf8');
    return { owner: length > MAX_LOCK_BYTES ? null : parseOwner(text), text, ino };
  } catch {
    return { owner: null, text: '', ino: -1 }; // not a file we can read (a folder in its place): not ours
  } finally {
    closeSync(fd);
  }
}

function parseOwner(text: string): FolderOwner | null {
  try {
    const v = JSON.parse(text) as Partial<FolderOwner>;
    if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0) return null;
    return {
      pid: v.pid,
      host: typeof v.host === 'string' ? v.host.slice(0, 256) : hostname(),
      startedAt: typeof v.startedAt === 'string' ? v.startedAt.slice(0, 64) : 'an unknown time',
      processStart: typeof v.processStart === 'string' ? v.processStart.slice(0, 128) : undefined,
      url: typeof v.url === 'string' ? v.url.slice(0, 2048) : undefined,
    };
  } catch {
    return null; // not ours
  }
}
