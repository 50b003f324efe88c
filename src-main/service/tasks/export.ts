/**
 * The Tasks view's filter exported as CSV or JSON lines, streamed a chunk at a time (keyset
 * pages of the history), so a million rows never sit in memory or in the page.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { HistoryTask } from '../contract/types/tasks.js';
import { writeStreamAtomic } from '../room/atomic-file.js';
import type { HistoryReader } from '../history/history-reader.js';

export type ExportFormat = 'csv' | 'jsonl';

/** Rows read per chunk. */
const CHUNK = 5000;
/** The columns exported, in order. */
const COLUMNS: Array<keyof HistoryTask> = [
  'id', 'name', 'state', 'args', 'kwargs', 'result', 'exception', 'worker', 'queue', 'retries', 'eta', 'expires',
  'parent_id', 'root_id', 'group_id', 'received_at', 'started_at', 'succeeded_at', 'failed_at', 'runtime', 'seen_at', 'traceback',
];

/** The columns that are times: epoch seconds in the history, ISO 8601 (UTC) in a CSV. */
const TIME_COLUMNS = new Set<keyof HistoryTask>(['received_at', 'started_at', 'succeeded_at', 'failed_at', 'seen_at']);

/**
 * A text cell a spreadsheet would run as a formula: names, arguments and errors come from any
 * producer, so `=HYPERLINK(...)` in a task name must stay text (OWASP's CSV injection list).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A CSV field as RFC 4180 quotes it. Numbers are the history's own (a runtime, a retry count),
 * written as numbers, times as ISO 8601; text that starts like a formula gets a leading single
 * quote, and quotes, as OWASP advises.
 */
export function csvField(v: unknown, column?: keyof HistoryTask): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return column && TIME_COLUMNS.has(column) ? isoTime(v) : String(v);
  const s = String(v);
  if (FORMULA_START.test(s)) return `"'${s.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Epoch seconds as ISO 8601; a time no Date can hold (a producer's odd timestamp) stays the number it is. */
function isoTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString();
}

/** The export's text, a chunk at a time. @throws QueryError for a bad query (before anything is yielded) */
export function* exportTasks(history: HistoryReader, query: string, format: ExportFormat): Generator<string> {
  let after: { seen: number; rowid: number } | null = null;
  let rows = history.exportChunk(query, null, CHUNK);
  if (format === 'csv') yield `${COLUMNS.join(',')}\r\n`;
  while (rows.length > 0) {
    yield rows
      .map((r) => (format === 'csv' ? `${COLUMNS.map((c) => csvField(r[c], c)).join(',')}\r\n` : `${JSON.stringify(Object.fromEntries(COLUMNS.map((c) => [c, r[c]])))}\n`))
      .join('');
    const last = rows[rows.length - 1]!;
    after = { seen: last.seen_at, rowid: last.rowid };
    rows = rows.length < CHUNK ? [] : history.exportChunk(query, after, CHUNK);
  }
}

/**
 * Writes an export's chunks to a stream (the file the desktop's save dialog chose, or an HTTP
 * response), waiting for it to drain when it falls behind: a million rows never sit in memory.
 * `first` was taken already (to check the query before anything is opened or sent).
 * @returns the bytes written @throws when the stream fails or closes first
 */
export async function writeChunks(out: Writable, first: IteratorResult<string>, rest: Iterator<string>): Promise<number> {
  const gone = new Promise<never>((_, reject) => {
    out.once('error', reject);
    out.once('close', () => reject(new Error('the stream closed before the export ended')));
  });
  gone.catch(() => undefined);
  let bytes = 0;
  for (let chunk = first; !chunk.done; chunk = rest.next()) {
    bytes += Buffer.byteLength(chunk.value);
    if (!out.write(chunk.value)) await Promise.race([once(out, 'drain'), gone]);
  }
  await Promise.race([new Promise<void>((resolve) => out.end(resolve)), gone]);
  return bytes;
}

/**
 * Writes an export to the file the user chose (mode 0600), through a temporary file beside it
 * and a rename: a failed export (a full disk, a history gone mid-way) leaves no half file, and
 * a file the user chose to overwrite stays whole until the new one is.
 */
export async function writeExportFile(path: string, first: IteratorResult<string>, rest: Iterator<string>): Promise<number> {
  return writeStreamAtomic(path, (out) => writeChunks(out, first, rest), { mode: 0o600 });
}
