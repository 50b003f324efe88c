/**
 * Opens a connection's history file. A damaged one (not a database, or cut short) is moved
 * aside, kept next to it as `<name>.corrupt-<time>` for whoever wants to look, and a fresh one
 * is opened in its place: the backfill then fills it from the result backend.
 */
import { existsSync, openSync, readSync, closeSync, renameSync, statSync } from 'node:fs';
import { HistoryStore } from './history-store.js';
import { HistoryFileDamagedError, describeHistoryError, isDamaged } from './history-errors.js';

export interface OpenedHistory {
  store: HistoryStore;
  /** Where a damaged file was moved to, and why it was. */
  movedAside?: { to: string; cause: string };
}

/** @throws what SQLite says when the file cannot be opened for another reason (locked, disk full, no permission) */
export function openHistoryStore(path: string): OpenedHistory {
  if (path === ':memory:') return { store: new HistoryStore(path) };
  try {
    checkLength(path);
    return { store: new HistoryStore(path) };
  } catch (err) {
    if (!isDamaged(err)) throw err;
    const to = moveAside(path);
    return { store: new HistoryStore(path), movedAside: { to, cause: describeHistoryError(err) } };
  }
}

/**
 * Moves a damaged history file (and its journal files) aside; @returns the new name.
 * Called with the store closed.
 */
export function moveAside(path: string, now = new Date()): string {
  const to = `${path}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  renameSync(path, to);
  for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, to + suffix);
  return to;
}

/**
 * A file cut short: its header's page count times its page size is more than the file holds.
 * SQLite reads the missing pages as zeros and only says "malformed" when a query reaches them,
 * after every view refused; checked here from the header, without reading the pages. A file
 * with a write-ahead log is left to SQLite (its newest pages may be in the log).
 */
function checkLength(path: string): void {
  if (!existsSync(path) || (existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0)) return;
  const size = statSync(path).size;
  if (size < 100) return; // too short for a header: SQLite says what it is
  const header = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1', 0, 16) !== 'SQLite format 3\u0000') return; // SQLite says SQLITE_NOTADB
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  // The header's count is valid only when its change counter matches (offsets 24 and 92).
  if (pages > 0 && header.readUInt32BE(24) === header.readUInt32BE(92) && pages * pageSize > size) {
    throw new HistoryFileDamagedError(`the file holds ${size} bytes, its header says ${pages * pageSize}`);
  }
}
