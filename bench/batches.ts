/**
 * Batches: how fast a drop of 10,000 files is queued, and what following a running batch in
 * the UI costs the workers (the control room's task index and batch tracker on the same
 * Redis, a WebSocket client receiving `batches:changed`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import WebSocket from 'ws';
import { createApp } from '../src-main/core/index.js';
import { planBatch } from '../src-main/core/batch/plan.js';
import { sendBatch } from '../src-main/core/batch/send.js';
import { Worker } from '../src-main/core/worker/worker.js';
import { startServer } from '../src-main/server/http-server.js';
import { ControlRoom } from '../src-main/service/control-room.js';
import type { Row } from './lib/report.js';

const TASKS = fileURLToPath(new URL('./tasks/noop.ts', import.meta.url));

/** 10,000 files in a folder, dropped: expanded, planned, sent and recorded. @returns ms */
async function dropTenThousand(url: string, redis: Redis): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-bench-drop-'));
  mkdirSync(join(dir, 'photos'));
  for (let i = 0; i < 10_000; i++) writeFileSync(join(dir, 'photos', `img-${String(i).padStart(5, '0')}.jpg`), '');
  const room = new ControlRoom({ dataDir: join(dir, 'data'), local: false, initial: { url, hostPool: false } });
  await room.start();
  const runs: number[] = [];
  for (let round = 0; round < 3; round++) {
    const t = performance.now();
    const expanded = await room.call('files:expand', { paths: [join(dir, 'photos')], extensions: ['jpg'] });
    if (!expanded.ok) throw new Error(expanded.error.message);
    const made = await room.call('batches:create', { task: 'resize_image', files: expanded.value.files, values: { size: [300, 300] }, outputDir: join(dir, 'out'), pattern: '{name}-300.{ext}', queue: 'bench-drop' });
    if (!made.ok) throw new Error(made.error.message);
    runs.push(performance.now() - t);
    if ((await redis.llen('bench-drop')) !== 10_000) throw new Error('not all queued');
    await redis.del('bench-drop');
  }
  await room.stop();
  await redis.flushall();
  rmSync(dir, { recursive: true, force: true });
  return runs.sort((a, b) => a - b)[1]!;
}

/** Runs one batch of n no-op tasks to the end. @returns tasks/s */
async function runBatch(url: string, n: number, send: (files: string[]) => Promise<void>): Promise<number> {
  const worker = new Worker({ module: TASKS, broker: url, pool: 'process', concurrency: 2, perChild: 8, queues: ['bench-batch'] });
  await worker.start();
  const files = Array.from({ length: n }, (_, i) => `/virtual/file-${i}.bin`);
  const t = performance.now();
  await send(files);
  while (worker.stats.succeeded + worker.stats.failed < n) await new Promise((r) => setTimeout(r, 5));
  const rate = n / ((performance.now() - t) / 1000);
  await worker.stop();
  return rate;
}

/**
 * Worker throughput on a batch alone, and with the control room following it (its index, its
 * tracker, a connected client), interleaved five times each. @returns the best rate of each
 * (this VM's neighbours only ever slow a run down), and the updates a second the client got
 */
async function followCost(url: string, redis: Redis): Promise<{ alone: number; followed: number; updatesPerSecond: number }> {
  process.env.CELERIAC_BROKER_URL = url;
  const n = 30_000;
  const app = createApp({ broker: url, taskRecords: true });
  const alone: number[] = [];
  const followed: number[] = [];
  const updateRates: number[] = [];
  for (let round = 0; round < 5; round++) {
    // Alone: the same batch, sent the same way, nobody watching.
    alone.push(await runBatch(url, n, async (files) => void (await sendBatch(app, planBatch({ params: [], files }), { task: 'bench.add', queue: 'bench-batch' }))));
    await redis.flushall();

    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-bench-follow-'));
    const room = new ControlRoom({ dataDir, local: false, initial: { url, hostPool: false } });
    await room.start();
    const server = await startServer({ service: room, port: 0, token: 't' });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=t`);
    await new Promise((r) => ws.once('open', r));
    // What the page subscribes to on the Batches view.
    ws.send(JSON.stringify({ subscribe: ['connection:changed', 'batches:changed', 'batches:notice'] }));
    const updates: number[] = [];
    ws.on('message', (data) => {
      if ((JSON.parse(data.toString()) as { event?: string }).event === 'batches:changed') updates.push(performance.now());
    });
    followed.push(await runBatch(url, n, async (files) => {
      const r = await room.call('batches:create', { task: 'bench.add', files, queue: 'bench-batch' });
      if (!r.ok) throw new Error(r.error.message);
    }));
    await new Promise((r) => setTimeout(r, 300)); // the last update
    // While the batch ran: from its first update to its last.
    updateRates.push((updates.length - 1) / ((updates.at(-1)! - updates[0]!) / 1000));
    ws.close();
    await server.close();
    await room.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await redis.flushall();
  }
  await app.close();
  const best = (xs: number[]): number => Math.max(...xs);
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { alone: best(alone), followed: best(followed), updatesPerSecond: median(updateRates) };
}

export async function benchBatches(url: string, redis: Redis): Promise<Row[]> {
  const drop = await dropTenThousand(url, redis);
  const { alone, followed, updatesPerSecond } = await followCost(url, redis);
  const slowdown = ((alone - followed) / alone) * 100;
  return [
    { metric: '10,000 files dropped -> all queued (expand, plan, send, record)', celeriac: drop, unit: 'ms', goal: '<= 2000' },
    { metric: 'batch of 30k no-op tasks, -P process -c 2 --per-child 8, nobody watching', celeriac: alone, unit: 'tasks/s' },
    { metric: 'same, followed live by the control room and a client', celeriac: followed, unit: 'tasks/s' },
    { metric: 'slowdown from following', celeriac: slowdown, unit: '%', goal: '<= 5' },
    { metric: 'batch progress updates reaching the client', celeriac: updatesPerSecond, unit: '/s', goal: '>= 4' },
  ];
}
