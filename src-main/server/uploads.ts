/**
 * Files dropped on the control room in a browser: the page cannot give paths, so it uploads
 * each file here (`POST /upload?staging=<id>&path=<relative path>`, the token in a header),
 * into a staging folder the hosted pool (and any worker on this machine) can read. Folder
 * structure is kept; nothing can be written outside the staging folder.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

/** A staged file's whole path, at most (Linux's PATH_MAX, less room for the pool to add to it). */
export const MAX_PATH_BYTES = 3800;

/** Largest file accepted. */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A relative path of plain segments, or null. */
export function safeRelativePath(path: string): string[] | null {
  const parts = path.split('/');
  if (parts.length === 0 || parts.length > 32) return null;
  for (const p of parts) {
    // No control characters (a newline in a name breaks every log line and list that shows it).
    if (p === '' || p === '.' || p === '..' || p.length > 255 || /[\\:\x00-\x1f\x7f]/.test(p)) return null;
  }
  return parts;
}

export async function handleUpload(req: IncomingMessage, res: ServerResponse, uploadDir: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const staging = url.searchParams.get('staging') ?? '';
  const parts = safeRelativePath(url.searchParams.get('path') ?? '');
  if (!/^[A-Za-z0-9-]{1,64}$/.test(staging)) return reply(res, 400, { error: 'staging must be an id of letters, digits and dashes' });
  if (!parts) return reply(res, 400, { error: 'path must be a relative path without . or .. segments' });
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_UPLOAD_BYTES) return reply(res, 413, { error: `files over ${MAX_UPLOAD_BYTES} bytes are not accepted` });
  const target = join(uploadDir, staging, ...parts);
  if (Buffer.byteLength(target) > MAX_PATH_BYTES) return reply(res, 400, { error: `path is too long: the staged file's path would pass ${MAX_PATH_BYTES} bytes` });
  try {
    await mkdir(dirname(target), { recursive: true });
  } catch (err) {
    // A folder where a file of the same name was uploaded already, or the other way round.
    return reply(res, 409, { error: `path collides with another upload of this drop (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
  }
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      size += chunk.length;
      callback(size > MAX_UPLOAD_BYTES ? new Error('too large') : null, chunk);
    },
  });
  try {
    await pipeline(req, limit, createWriteStream(target));
  } catch (err) {
    await rm(target, { force: true }).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST') return reply(res, 409, { error: `path collides with another upload of this drop (${code})` });
    return reply(res, size > MAX_UPLOAD_BYTES ? 413 : 400, { error: `upload failed: ${(err as Error).message}` });
  }
  reply(res, 200, { path: target, bytes: size });
}

/** Staging folders are kept as long as batches (7 days), then removed when the server starts. */
export async function pruneUploads(uploadDir: string, maxAgeMs = 7 * 86_400_000): Promise<number> {
  let removed = 0;
  let entries: string[];
  try {
    entries = await readdir(uploadDir);
  } catch {
    return 0; // no uploads yet
  }
  for (const name of entries) {
    const path = join(uploadDir, name);
    const info = await stat(path).catch(() => null);
    if (info?.isDirectory() && Date.now() - info.mtimeMs > maxAgeMs) {
      await rm(path, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
