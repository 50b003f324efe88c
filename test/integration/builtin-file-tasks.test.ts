/**
 * The built-in file tasks, run by a real worker (child processes) on a private Redis, on real
 * files made here with sharp.
 */
import sharp from 'sharp';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { builtInTasksModule } from '../../src-main/core/worker/built-in-tasks.js';
import type { App } from '../../src-main/core/app.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

const queue = uniqueName('files');
let app: App;
let redis: Redis;
useRedisSuite((s) => ({ app, redis } = s), { worker: { module: builtInTasksModule(), queues: [queue], concurrency: 2 } });

const dir = mkdtempSync(join(tmpdir(), 'celeriac-files-'));
const run = async (name: string, args: unknown[], kwargs: Record<string, unknown> = {}) => (await app.sendTask(name, args, kwargs, { queue })).get({ timeout: 20_000 });

async function image(name: string, format: 'jpeg' | 'png' | 'webp', width = 640, height = 480): Promise<string> {
  const path = join(dir, name);
  await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 90, b: 40 } } }).toFormat(format).toFile(path);
  return path;
}

describe('resize_image', () => {
  it('resizes JPEG, PNG and WebP to 300x300, the format following the output extension', async () => {
    for (const [name, format] of [['a.jpg', 'jpeg'], ['b.png', 'png'], ['c.webp', 'webp']] as const) {
      const input = await image(name, format);
      const output = join(dir, 'out', `${name}-300.png`);
      expect(await run('resize_image', [input, output, [300, 300]])).toMatchObject({ output, width: 300, height: 300, format: 'png' });
      expect(await sharp(output).metadata()).toMatchObject({ width: 300, height: 300, format: 'png' });
    }
  });

  it('takes Python-style keyword options as the last argument', async () => {
    const input = await image('wide.png', 'png', 800, 200);
    const output = join(dir, 'out', 'wide-inside.png');
    expect(await run('resize_image', [input, output, [300, 300]], { fit: 'inside' })).toMatchObject({ width: 300, height: 75 });
  });

  it('fails with the file named: missing, not an image, bad size', async () => {
    await expect(run('resize_image', [join(dir, 'nope.jpg'), join(dir, 'x.jpg'), [300, 300]])).rejects.toMatchObject({ message: `input file not found: ${join(dir, 'nope.jpg')}` });
    const corrupt = join(dir, 'corrupt.jpg');
    writeFileSync(corrupt, 'this is not a JPEG at all');
    await expect(run('resize_image', [corrupt, join(dir, 'y.jpg'), [300, 300]])).rejects.toMatchObject({ message: expect.stringMatching(new RegExp(`^cannot read ${corrupt} as an image: .*unsupported image format`)) });
    const truncated = join(dir, 'truncated.jpg');
    writeFileSync(truncated, readFileSync(await image('whole.jpg', 'jpeg')).subarray(0, 400));
    await expect(run('resize_image', [truncated, join(dir, 'z.jpg'), [300, 300]])).rejects.toMatchObject({ message: expect.stringContaining(`cannot read ${truncated} as an image`) });
    await expect(run('resize_image', [corrupt, join(dir, 'y.jpg'), [0, 10]])).rejects.toMatchObject({ name: 'TypeError', message: expect.stringContaining('size must be') });
  });
});

describe('convert_image', () => {
  it('converts to WebP with a quality', async () => {
    const input = await image('photo.jpg', 'jpeg');
    const output = join(dir, 'out', 'photo.webp');
    expect(await run('convert_image', [input, output, 'webp', { quality: 60 }])).toMatchObject({ output, format: 'webp', width: 640, height: 480 });
    expect((await sharp(output).metadata()).format).toBe('webp');
    await expect(run('convert_image', [input, output, 'bmp'])).rejects.toMatchObject({ message: expect.stringContaining('format must be one of') });
  });
});

describe('compress', () => {
  it('gzips and brotlis a file that decompresses to the same bytes, with progress on the way', async () => {
    const input = join(dir, 'log.txt');
    const text = Array.from({ length: 200_000 }, (_, i) => `line ${i} of a log\n`).join('');
    writeFileSync(input, text);
    const gz = await run('compress', [input, join(dir, 'out', 'log.txt.gz'), 'gzip']) as { bytes: number; ratio: number };
    expect(gunzipSync(readFileSync(join(dir, 'out', 'log.txt.gz'))).toString()).toBe(text);
    expect(gz.ratio).toBeLessThan(0.3);
    // PROGRESS is overwritten by SUCCESS in the stored meta: listen to what is published.
    const id = randomUUID();
    const sub = redis.duplicate();
    const states: string[] = [];
    sub.on('message', (_c: string, m: string) => states.push((JSON.parse(m) as { status: string }).status));
    await sub.subscribe(`celery-task-meta-${id}`);
    const r = await app.sendTask('compress', [input, join(dir, 'out', 'log.txt.br'), 'brotli'], {}, { queue, taskId: id });
    await r.get({ timeout: 20_000 });
    await until(() => states.includes('SUCCESS'));
    sub.disconnect();
    expect(brotliDecompressSync(readFileSync(join(dir, 'out', 'log.txt.br'))).toString()).toBe(text);
    expect(states.filter((s) => s === 'PROGRESS').length).toBeGreaterThanOrEqual(1);
  });

  it('refuses to overwrite its input', async () => {
    const input = join(dir, 'same.txt');
    writeFileSync(input, 'x');
    await expect(run('compress', [input, input, 'gzip'])).rejects.toMatchObject({ message: `the output would overwrite the input: ${input}` });
  });
});

describe('checksum', () => {
  it('hashes a file, and fails on a missing one with one readable line naming it', async () => {
    const file = join(dir, 'sum.txt');
    writeFileSync(file, 'abc');
    expect(await run('checksum', [file, 'sha256'])).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const missing = join(dir, 'no-such-file.txt');
    const err = (await run('checksum', [missing]).catch((e: unknown) => e)) as { message: string; traceback: string | null };
    expect(err.message).toBe(`input file not found: ${missing}`);
    // The whole traceback is that one line: no ENOENT, no stack through the task's code.
    expect(err.traceback?.trim()).toBe(`FileInputError: input file not found: ${missing}`);
  });
});
