/** GET /export: the Tasks filter as CSV or JSON lines, streamed with backpressure. */
import type { ServerResponse } from 'node:http';
import { writeChunks } from '../service/tasks/export.js';
import { reply } from './http-replies.js';

/** Streams an export a chunk at a time, waiting for the client to drain; a bad query is a 400. */
export async function streamExport(res: ServerResponse, open: () => Iterator<string> | null, format: 'csv' | 'jsonl'): Promise<void> {
  let chunks: Iterator<string> | null;
  let first: IteratorResult<string>;
  try {
    chunks = open();
    if (!chunks) return reply(res, 503, 'not connected to Redis: nothing to export now');
    first = chunks.next();
  } catch (err) {
    return reply(res, 400, (err as Error).message);
  }
  res.writeHead(200, {
    'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    'Content-Disposition': `attachment; filename="tasks.${format}"`,
    'Cache-Control': 'no-store',
  });
  // A client gone mid-way ends it: the rest is not read.
  await writeChunks(res, first, chunks).catch(() => res.destroy());
}
