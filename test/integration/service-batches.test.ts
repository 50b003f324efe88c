/**
 * Batches through the control room's contract, on a private Redis, run by the hosted pool's
 * real child processes (the built-in tasks): live progress events, notices, retry, cancel.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchNotice, BatchSummary } from '../../src-main/service/contract/index.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { createApp } from '../../src-main/core/app.js';
import { planBatch } from '../../src-main/core/batch/plan.js';
import { sendBatch } from '../../src-main/core/batch/send.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';
import { ok } from '../helpers/contract.js';

let server: RedisServer;
let room: ControlRoom;
const changes: BatchSummary[] = [];
const notices: BatchNotice[] = [];
const dir = mkdtempSync(join(tmpdir(), 'celeriac-batches-'));

beforeAll(async () => {
  server = await startRedisServer();
  room = new ControlRoom({ dataDir: join(dir, 'data'), initial: { url: server.url, hostPool: true }, pool: { modules: [], concurrency: 1, queues: ['celery'] } });
  room.onEvent((event, data) => {
    if (event === 'batches:changed') changes.push(...(data as BatchSummary[]));
    if (event === 'batches:notice') notices.push(data as BatchNotice);
  });
  expect((await room.start()).state).toBe('connected');
});
afterAll(async () => {
  await room?.stop();
  await server?.stop();
});

const last = (id: string): BatchSummary | undefined => changes.filter((c) => c.id === id).at(-1);

describe('batches through the contract', () => {
  it('expands dropped folders by extension, skipping hidden files', async () => {
    const drop = join(dir, 'drop');
    mkdirSync(join(drop, 'sub'), { recursive: true });
    for (const f of ['a.txt', 'b.log', '.hidden.txt', 'sub/c.txt']) writeFileSync(join(drop, f), f);
    expect(await ok(room.call('files:expand', { paths: [drop], extensions: ['txt'] }))).toEqual({
      files: [join(drop, 'a.txt'), join(drop, 'sub/c.txt')], skipped: { log: 1 }, extensions: { txt: 2, log: 1 },
    });
    expect(await room.call('files:expand', { paths: ['relative/path'] })).toMatchObject({ ok: false, error: { message: 'not an absolute path: relative/path' } });
  });

  it('runs a batch, pushes its progress live, notifies when it ends, and retries its failed item', async () => {
    const files = Array.from({ length: 8 }, (_, i) => join(dir, `f${i}.txt`));
    files.forEach((f, i) => i !== 3 && writeFileSync(f, `file ${i}`));
    const preview = await ok(room.call('batches:preview', { task: 'checksum', files, values: { algorithm: 'md5' } }));
    expect(preview).toMatchObject({ total: 8, items: [{ args: [files[0], 'md5'] }, {}, {}, {}, {}] });
    const batch = await ok(room.call('batches:create', { task: 'checksum', files, values: { algorithm: 'md5' } }));
    // Items that finished while the batch was being sent are counted already.
    expect(batch).toMatchObject({ task: 'checksum', total: 8 });
    expect(batch.done).toBeLessThanOrEqual(8);
    await until(() => last(batch.id)?.finished === true);
    expect(last(batch.id)).toMatchObject({ counts: { succeeded: 7, failed: 1 }, done: 8 });
    await until(() => notices.some((n) => n.batchId === batch.id));
    expect(notices.find((n) => n.batchId === batch.id)).toMatchObject({ kind: 'finished', title: 'Batch checksum finished', body: '7 succeeded, 1 failed' });

    const failed = await ok(room.call('batches:get', { id: batch.id, bucket: 'failed' }));
    expect(failed.items).toEqual([expect.objectContaining({ index: 3, input: files[3], state: 'FAILURE', error: expect.objectContaining({ message: expect.stringMatching(/not found|no such file/) }) })]);
    writeFileSync(files[3]!, 'fixed');
    expect(await ok(room.call('batches:retryFailed', { id: batch.id }))).toMatchObject({ retried: [failed.items[0]!.id], errors: [] });
    await until(() => last(batch.id)?.counts.succeeded === 8);
    const listed = await ok(room.call('batches:list', {}));
    expect(listed[0]).toMatchObject({ id: batch.id, counts: { succeeded: 8, failed: 0 }, finished: true });
  });

  it('says when failures spike in a running batch, and stays quiet when notifications are off', async () => {
    const big = join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(40 * 1024 * 1024, 7));
    // Six missing files first (they fail at once), then slow ones keep the batch running.
    const files = [...Array.from({ length: 6 }, (_, i) => join(dir, `missing-${i}.bin`)), ...Array.from({ length: 12 }, () => big)];
    const batch = await ok(room.call('batches:create', { task: 'checksum', files, values: { algorithm: 'sha512' } }));
    await until(() => notices.some((n) => n.batchId === batch.id && n.kind === 'failures'), 30_000);
    expect(notices.find((n) => n.batchId === batch.id && n.kind === 'failures')!.body).toMatch(/^\d+ items failed in the last 10 s \(\d+ of 18 so far\)$/);

    // Cancel the rest: what has not run is revoked.
    const cancelled = await ok(room.call('batches:cancel', { id: batch.id }));
    expect(cancelled.revoked).toBeGreaterThan(0);
    await until(() => last(batch.id)?.finished === true, 30_000);
    expect(last(batch.id)!.counts.revoked).toBeGreaterThan(0);

    expect(await ok(room.call('settings:set', { notifications: false }))).toMatchObject({ notifications: false, host: { desktop: false, openFolders: false } });
    const quiet = await ok(room.call('batches:create', { task: 'checksum', files: [join(dir, 'f0.txt')] }));
    await until(() => last(quiet.id)?.finished === true);
    await new Promise((r) => setTimeout(r, 300));
    expect(notices.some((n) => n.batchId === quiet.id)).toBe(false);
    await ok(room.call('settings:set', { notifications: true }));
  });

  it('follows a batch sent elsewhere (celeriac batch, another control room) from its first change', async () => {
    const other = createApp({ broker: server.url, taskRecords: true });
    const file = join(dir, 'f1.txt');
    const { meta } = await sendBatch(other, planBatch({ params: [{ name: 'path', type: 'file' }], files: [file, file] }), { task: 'checksum' });
    await until(() => last(meta.id)?.finished === true);
    expect(last(meta.id)).toMatchObject({ total: 2, counts: { succeeded: 2 } });
    await other.close();
  });

  it('opens folders only in the desktop app', async () => {
    const [b] = await ok(room.call('batches:list', {}));
    expect(await room.call('batches:openFolder', { id: b!.id })).toMatchObject({ ok: false, error: { message: 'opening folders works in the desktop app only' } });
  });
});
