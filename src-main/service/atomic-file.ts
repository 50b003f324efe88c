/**
 * How the control room writes its small files (settings, profiles, the server's token, the
 * Local Redis's port and password): into a temporary file beside the target, flushed to disk,
 * then renamed over it. A crash or a full disk mid-write leaves the old file whole; a reader
 * sees the old content or the new, never half of one.
 */
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

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
