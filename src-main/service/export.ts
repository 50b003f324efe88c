/**
 * The Tasks view's filter exported as CSV or JSON lines, streamed a chunk at a time (keyset
 * pages of the history), so a million rows never sit in memory or in the page.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { HistoryStore, HistoryTask } from './history/history-store.js';

export type ExportFormat = 'csv' | 'jsonl';

/** Rows read per chunk. */
const CHUNK = 5000;
/** The columns exported, in order. */
const COLUMNS: Array<keyof HistoryTask> = [
  'id', 'name', 'state', 'args', 'kwargs', 'result', 'exception', 'worker', 'queue', 'retries', 'eta', 'expires',
  'parent_id', 'root_id', 'group_id', 'received_at', 'started_at', 'succeeded_at', 'failed_at', 'runtime', 'seen_at', 'traceback',
];

/** A CSV field as RFC 4180 quotes it. */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The export's text, a chunk at a time. @throws QueryError for a bad query (before anything is yielded) */
export function* exportTasks(history: HistoryStore, query: string, format: ExportFormat): Generator<string> {
  let after: { seen: number; rowid: number } | null = null;
  let rows = history.exportChunk(query, null, CHUNK);
  if (format === 'csv') yield `${COLUMNS.join(',')}\r\n`;
  while (rows.length > 0) {
    yield rows
      .map((r) => (format === 'csv' ? `${COLUMNS.map((c) => csvField(r[c])).join(',')}\r\n` : `${JSON.stringify(Object.fromEntries(COLUMNS.map((c) => [c, r[c]])))}\n`))
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

/** Writes an export to a new file (mode 0600); a failed one is not left half open. */
export async function writeExportFile(path: string, first: IteratorResult<string>, rest: Iterator<string>): Promise<number> {
  const out = createWriteStream(path, { mode: 0o600 });
  try {
    return await writeChunks(out, first, rest);
  } catch (err) {
    out.destroy();
    throw err;
  }
}
