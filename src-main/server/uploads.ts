/**
 * Files dropped on the control room in a browser: the page cannot give paths, so it uploads
 * each file here (`POST /upload?staging=<id>&path=<relative path>`, the token in a header),
 * into a staging folder the hosted pool (and any worker on this machine) can read. Folder
 * structure is kept; nothing can be written outside the staging folder.
 */
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, realpath, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { writeStreamAtomic } from '../service/room/atomic-file.js';

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

/** Whether `path` lies inside `root` (both absolute), by their text. */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

const LINK_OUT = 'leads out of the staging folder through a symbolic link: refused';

/** A staged file, its links resolved; or why not (404: nothing staged there; 403: a link out). */
type Staged = { ok: true; file: string; size: number } | { ok: false; status: 403 | 404; error?: string };

/**
 * A file inside a staging folder, by the full path the server gave for it (a batch item's
 * input or output). Checked twice: by its text, then with every symbolic link resolved
 * (realpath), so a link placed in the staging folder cannot hand out or overwrite a file
 * elsewhere.
 */
export async function stagedFile(uploadDir: string, path: string): Promise<Staged> {
  if (path.includes('\0')) return { ok: false, status: 404 };
  const full = resolve(path);
  if (!inside(resolve(uploadDir), full)) return { ok: false, status: 404 };
  let real: string;
  let root: string;
  try {
    root = await realpath(uploadDir);
    real = await realpath(full);
  } catch {
    return { ok: false, status: 404 }; // nothing there (or a link to nothing)
  }
  if (!inside(root, real)) return { ok: false, status: 403, error: `${path} ${LINK_OUT}` };
  const info = await stat(real).catch(() => null);
  return info?.isFile() ? { ok: true, file: real, size: info.size } : { ok: false, status: 404 };
}

export async function handleUpload(req: IncomingMessage, res: ServerResponse, uploadDir: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_UPLOAD_BYTES) return reply(res, 413, { error: `files over ${MAX_UPLOAD_BYTES} bytes are not accepted` });
  // `replace=<staged path>`: the user fixed a file a batch item failed on; retrying it must
  // read the fixed one, so it takes the staged copy's place.
  const replace = url.searchParams.get('replace');
  if (replace !== null) {
    const staged = await stagedFile(uploadDir, replace);
    if (!staged.ok) return reply(res, staged.status, { error: staged.error ?? 'replace names no staged file of this control room' });
    return receive(req, res, staged.file, resolve(replace));
  }
  const staging = url.searchParams.get('staging') ?? '';
  const parts = safeRelativePath(url.searchParams.get('path') ?? '');
  if (!/^[A-Za-z0-9-]{1,64}$/.test(staging)) return reply(res, 400, { error: 'staging must be an id of letters, digits and dashes' });
  if (!parts) return reply(res, 400, { error: 'path must be a relative path without . or .. segments' });
  const target = join(uploadDir, staging, ...parts);
  if (Buffer.byteLength(target) > MAX_PATH_BYTES) return reply(res, 400, { error: `path is too long: the staged file's path would pass ${MAX_PATH_BYTES} bytes` });
  const refused = (): void => reply(res, 403, { error: `${join(staging, ...parts)} ${LINK_OUT}` });
  // Checked before any folder is made: mkdir follows a link on the way and would create folders
  // wherever it points.
  let root: string;
  try {
    await mkdir(uploadDir, { recursive: true });
    root = await realpath(uploadDir);
    if (!(await leadsInside(root, resolve(uploadDir), dirname(target)))) return refused();
    await mkdir(dirname(target), { recursive: true });
  } catch (err) {
    // A folder where a file of the same name was uploaded already, or the other way round.
    return reply(res, 409, { error: `path collides with another upload of this drop (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
  }
  // Again once made, and the file if it is there already: a link may have been put there meanwhile.
  const folder = await realpath(dirname(target));
  const existing = await lstat(target).catch(() => null);
  if ((folder !== root && !inside(root, folder)) || existing?.isSymbolicLink()) return refused();
  return receive(req, res, target);
}

/**
 * Whether `folder` (under `top`, the staging folder as given, whose real path is `root`) stays
 * inside `root`: its deepest part that exists, every link resolved, must. The parts below it
 * do not exist yet, so making them cannot lead anywhere else.
 */
async function leadsInside(root: string, top: string, folder: string): Promise<boolean> {
  let existing = resolve(folder);
  while (existing !== top && (await lstat(existing).catch(() => null)) === null) {
    const up = dirname(existing);
    if (up === existing) return false; // past the file system's root: not under the staging folder at all
    existing = up;
  }
  const real = await realpath(existing).catch(() => null); // null: a link to nothing
  return real !== null && (real === root || inside(root, real));
}

/**
 * Streams the request body into `target`, at most MAX_UPLOAD_BYTES, through a temporary file
 * beside it and a rename: an upload cut short or over the limit leaves what was there (the
 * staged input a replace was fixing) as it was. The reply names it as `shown`.
 */
async function receive(req: IncomingMessage, res: ServerResponse, target: string, shown = target): Promise<void> {
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      size += chunk.length;
      callback(size > MAX_UPLOAD_BYTES ? new Error('too large') : null, chunk);
    },
  });
  try {
    // 0666 less the umask, as a plain write makes it: the pool and workers under other users read
    // it. Hidden while it fills: a batch expanding this folder meanwhile does not take it as an input.
    await writeStreamAtomic(target, (out) => pipeline(req, limit, out), { mode: 0o666, hidden: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST') return reply(res, 409, { error: `path collides with another upload of this drop (${code})` });
    return reply(res, size > MAX_UPLOAD_BYTES ? 413 : 400, { error: `upload failed: ${(err as Error).message}` });
  }
  reply(res, 200, { path: shown, bytes: size });
}

/**
 * `GET /download?path=<staged path>`: a file in a staging folder (the outputs a batch wrote
 * next to its uploaded inputs), as an attachment. Nothing outside the staging folders.
 */
export async function handleDownload(req: IncomingMessage, res: ServerResponse, uploadDir: string): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').searchParams.get('path') ?? '';
  const staged = await stagedFile(uploadDir, path);
  if (!staged.ok) return reply(res, staged.status, { error: staged.error ?? 'only files in the staging folders can be downloaded' });
  const { file, size } = staged;
  const name = basename(file).replace(/[^\w.\- ]/g, '_');
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size, 'Content-Disposition': `attachment; filename="${name}"`, 'X-Content-Type-Options': 'nosniff' });
  await pipeline(createReadStream(file), res).catch(() => res.destroy());
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
