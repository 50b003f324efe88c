/**
 * Celeriac's built-in tasks: an ordinary task module, loaded by the control room's worker pool
 * by default and by any worker with `celeriac worker -A celeriac/tasks`. Python callers use the
 * same names: `app.send_task('checksum', args=['file.iso', 'sha256'])`.
 */
import { createHash, getHashes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createApp } from '../core/index.js';

export const app = createApp();

const ALGORITHMS = ['sha256', 'sha512', 'sha1', 'md5'].filter((a) => getHashes().includes(a));

/** A file's digest, hex; reports progress by bytes read. */
export const checksum = app.task(
  'checksum',
  {
    params: [
      { name: 'path', type: 'file', help: 'The file to hash' },
      { name: 'algorithm', type: 'string', enum: ALGORITHMS, default: 'sha256' },
    ],
  },
  async function (path: string, algorithm: string = 'sha256') {
    if (!ALGORITHMS.includes(algorithm)) throw new TypeError(`unknown algorithm ${JSON.stringify(algorithm)}; use one of ${ALGORITHMS.join(', ')}`);
    const size = (await stat(path)).size; // a missing file fails here with ENOENT and its path
    const hash = createHash(algorithm);
    let done = 0;
    let reported = 0;
    for await (const chunk of createReadStream(path, { signal: this.signal })) {
      hash.update(chunk as Buffer);
      done += (chunk as Buffer).length;
      // Progress about every 5 %: enough for a bar, not a write per chunk.
      if (done - reported >= size / 20) {
        reported = done;
        await this.progress(done, size);
      }
    }
    return hash.digest('hex');
  },
);
