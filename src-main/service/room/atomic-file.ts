/**
 * How the control room writes its small files (settings, profiles, the server's token, the
 * Local Redis's port and password): into a temporary file beside the target, flushed to disk,
 * then renamed over it. A crash or a full disk mid-write leaves the old file whole; a reader
 * sees the old content or the new, never half of one.
 */
import { close, closeSync, createWriteStream, fchmodSync, fsync, fsyncSync, mkdirSync, open, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';

/**
 * Writes `text` to `path` through `<path>.<pid>.tmp` and a rename; the file is created with
 * `mode` (0600: these files hold secrets), its folder with 0700 when missing.
 * @throws the file system's error (ENOSPC, EACCES…); the target is then as it was
 */
export function writeFileAtomic(path: string, text: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // One temporary name per process: two processes never write into the same temporary file.
  const tmp = `${path}.${process.pid}.tmp`;
  // 'w' with the mode: the secret is never readable by others, not even for a moment.
  const fd = openSync(tmp, 'w', mode);
  try {
    fchmodSync(fd, mode); // a temporary file a crash left behind keeps its old mode otherwise
    const data = Buffer.from(text);
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
    // On disk before the rename, or a power cut could leave the new name with no bytes behind it.
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** A file name's longest part kept in a temporary name beside it: the rest of NAME_MAX holds the random part and the suffix. */
const MAX_KEPT_NAME_BYTES = 200;

/**
 * `<path>.<random>.<suffix>`, in the same folder (so a rename moves it into place in one step);
 * a long name is cut so the temporary one still fits the file system's name limit. `hidden`
 * starts it with a dot, for folders something lists meanwhile (a batch expanding a staging
 * folder skips hidden files).
 */
export function tempPathBeside(path: string, suffix: string, hidden = false): string {
  let name = basename(path);
  while (Buffer.byteLength(name) > MAX_KEPT_NAME_BYTES) name = name.slice(0, -1);
  return join(dirname(path), `${hidden ? '.' : ''}${name}.${randomBytes(6).toString('hex')}.${suffix}`);
}

/**
 * Streams into `path` through a temporary file beside it (created new, with `mode`) and a
 * rename: `write` fills the stream and ends it. A failure part way (a full disk, a client gone,
 * a size limit) removes only the temporary file; whatever was at `path` stays as it was.
 * @returns what `write` returned @throws what `write`, the disk or the rename threw
 */
export async function writeStreamAtomic<T>(path: string, write: (out: Writable) => Promise<T>, options: { mode?: number; hidden?: boolean } = {}): Promise<T> {
  const mode = options.mode ?? 0o600;
  const tmp = tempPathBeside(path, 'part', options.hidden);
  const fd = await promisify(open)(tmp, 'wx', mode);
  // The descriptor is closed here, not by the stream: it is flushed to disk before the rename.
  const out = createWriteStream('', { fd, autoClose: false });
  let closed = false;
  try {
    const result = await write(out);
    await promisify(fsync)(fd);
    closed = true;
    await promisify(close)(fd);
    await rename(tmp, path);
    return result;
  } catch (err) {
    out.destroy();
    if (!closed) await promisify(close)(fd).catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}
