/**
 * What the built-in file tasks share: clear errors for missing and unreadable files, output
 * folders made on demand, and progress while streaming.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TaskContext } from '../core/index.js';

/**
 * A file task's input is missing or wrong: the user's to fix, not the code's. Its traceback is
 * its one line (a stack through the task's own code tells the user nothing).
 */
export class FileInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileInputError';
    this.stack = `FileInputError: ${message}`;
  }
}

/** The input's size, or an error that names the file and what is wrong with it. */
export async function inputSize(path: string): Promise<number> {
  if (typeof path !== 'string' || path === '') throw new TypeError('the input path is missing');
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileInputError(`input file not found: ${path}`);
    if (code === 'EACCES') throw new FileInputError(`input file not readable (permission denied): ${path}`);
    throw err;
  }
  if (!info.isFile()) throw new FileInputError(`input is not a file: ${path}`);
  return info.size;
}

/** Makes the output's folder; refuses to write over the input. */
export async function prepareOutput(input: string, output: string): Promise<void> {
  if (typeof output !== 'string' || output === '') throw new TypeError('the output path is missing');
  if (output === input) throw new Error(`the output would overwrite the input: ${output}`);
  await mkdir(dirname(output), { recursive: true });
}

/**
 * Streams input through `transform` into output, reporting progress by bytes read (about
 * every 5 %, so a bar moves without a Redis write per chunk).
 */
export async function streamWithProgress(ctx: TaskContext, input: string, output: string, transform: Transform, size: number): Promise<number> {
  let done = 0;
  let reported = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      done += chunk.length;
      if (done - reported >= size / 20 && done < size) {
        reported = done;
        void ctx.progress(done, size);
      }
      callback(null, chunk);
    },
  });
  await pipeline(createReadStream(input), counter, transform, createWriteStream(output), { signal: ctx.signal });
  return (await stat(output)).size;
}
