/**
 * What went wrong with the history file, in a user's words with SQLite's code after them
 * ("disk full (SQLITE_FULL)"), and whether the file itself is damaged (then it is moved aside).
 */

/** SQLite's codes that say the file is not a database any more, or not a whole one. */
const DAMAGED = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX']);

/** An error's code (SQLite's `SQLITE_…`, the system's `E…`), or ''. */
export const codeOf = (err: unknown): string => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
};

/** Whether SQLite raised it (the history failed), rather than Redis or the code around it. */
export const isSqliteError = (err: unknown): boolean => codeOf(err).startsWith('SQLITE');

/**
 * SQLite's codes for a condition of the file or the disk, not of what was written: locked,
 * full, an I/O error, read-only, not openable. A write that fails so is tried again later; any
 * other failure would fail again on the same rows.
 */
const TRANSIENT = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN'];

/** Whether an error says the file or the disk fails now (@see TRANSIENT), so the same write may pass later. */
export function isTransient(err: unknown): boolean {
  const code = codeOf(err);
  // Extended codes carry the primary one as a prefix (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT).
  return TRANSIENT.some((t) => code === t || code.startsWith(`${t}_`)) || code === 'ENOSPC';
}

/** Whether an error says the history file is damaged (garbage, truncated, overwritten). */
export function isDamaged(err: unknown): boolean {
  return DAMAGED.has(codeOf(err)) || err instanceof HistoryFileDamagedError;
}

/** A file whose size does not match what its header says (cut short by a crash or a copy). */
export class HistoryFileDamagedError extends Error {
  readonly code = 'SQLITE_CORRUPT';
}

/** The cause in a few words, SQLite's or the system's code in parentheses. */
export function describeHistoryError(err: unknown): string {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || (code === 'SQLITE_IOERR_WRITE' && /full|space/i.test(message))) return `disk full (${code})`;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return `the file is locked by another program (${code})`;
  if (isDamaged(err)) return `the file is damaged (${code || 'SQLITE_CORRUPT'})`;
  if (code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EPERM') return `the file cannot be written (${code})`;
  if (code.startsWith('SQLITE_CANTOPEN')) return `the file cannot be opened (${code})`;
  if (code.startsWith('SQLITE_IOERR')) return `a disk error (${code})`;
  if (/database connection is not open/.test(message)) return 'the file was closed';
  return code ? `${message} (${code})` : message;
}
