/** `celeriac batch` against a real worker running the built-in tasks. */
import sharp from 'sharp';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { builtInTasksModule } from '../../src-main/core/worker/built-in-tasks.js';
import { type RedisServer, uniqueName } from '../helpers/redis-server.js';
import { runCli } from '../helpers/cli.js';
import { useRedisSuite } from '../helpers/suite.js';
import { decodeTaskMessage } from '../../src-main/core/protocol/decode.js';

const queue = uniqueName('cli-batch');
let server: RedisServer;
let redis: Redis;
useRedisSuite((s) => ({ server, redis } = s), { worker: { module: builtInTasksModule(), queues: [queue], concurrency: 2 } });

describe('celeriac batch', () => {
  it('resizes a folder (filtered by extension) with a progress bar, and exits 1 naming the file that failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-cli-batch-'));
    const inputs = join(dir, 'in');
    mkdirSync(join(inputs, 'nested'), { recursive: true });
    for (let i = 0; i < 5; i++) await sharp({ create: { width: 500, height: 400, channels: 3, background: '#884422' } }).png().toFile(join(inputs, i < 3 ? '' : 'nested', `img${i}.png`));
    writeFileSync(join(inputs, 'notes.txt'), 'not an image, and filtered out');
    writeFileSync(join(inputs, 'bad.png'), 'not a png');
    const out = join(dir, 'out');
    const run = await runCli(['batch', 'resize_image', inputs, '--ext', 'png', '--param', 'size=[120,80]', '--out', out, '--pattern', '{name}-small.{ext}', '-Q', queue, '--wait', '-b', server.url], {}, 60_000);
    expect(run.stdout).toMatch(/^Batch [0-9a-f-]{36}: 6 resize_image tasks sent to /m);
    expect(run.stderr).toMatch(/resize_image \|[█░]+\| 6\/6 done, 1 failed/); // the bar, on stderr (without a terminal: a line every 2 s, and the last)
    expect(run.stdout).toMatch(/5 succeeded, 1 failed of 6 in [\d.]+ s/);
    expect(run.stderr).toMatch(/failed [0-9a-f-]{36}: Error: cannot read .*bad\.png as an image/);
    expect(run.code).toBe(1);
    expect(readdirSync(out).sort()).toEqual(['img0-small.png', 'img1-small.png', 'img2-small.png', 'img3-small.png', 'img4-small.png']);
    expect(await sharp(join(out, 'img3-small.png')).metadata()).toMatchObject({ width: 120, height: 80 });
  });

  it('sends a Celery group: every message carries the batch id in its group header', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-cli-group-'));
    for (const n of ['a.txt', 'b.txt']) writeFileSync(join(dir, n), n);
    const q = uniqueName('nobody'); // no worker: the messages stay to be read
    const run = await runCli(['batch', 'checksum', dir, '--param', 'algorithm=md5', '-Q', q, '-b', server.url]);
    expect(run.code).toBe(0);
    const id = /Batch (\S+):/.exec(run.stdout)![1]!;
    const raw = await redis.lrange(q, 0, -1);
    const messages = raw.map((r) => decodeTaskMessage(r)).map((d) => (d.ok ? d.message : null));
    expect(messages.map((m) => [m?.task, m?.group, (m?.args as string[])[1]])).toEqual([['checksum', id, 'md5'], ['checksum', id, 'md5']]);
  });

  it('says clearly when nothing matches, and when a parameter is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-cli-none-'));
    writeFileSync(join(dir, 'a.txt'), 'x');
    const none = await runCli(['batch', 'resize_image', dir, '--ext', 'jpg', '-b', server.url]);
    expect(none).toMatchObject({ code: 1, stderr: expect.stringContaining('no files to run resize_image on with the extensions jpg') });
    const missing = await runCli(['batch', 'resize_image', join(dir, 'nope'), '-b', server.url]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining(`no such file or folder: ${join(dir, 'nope')}`) });
  });
});
