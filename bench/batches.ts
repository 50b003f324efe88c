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
import { childrenCpuSeconds, selfCpuSeconds } from './lib/cpu.js';
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

/**
 * Queues a batch of n no-op tasks, then lets a worker run it to the end. The worker starts
 * once everything is queued: what is measured is the workers' speed, not the sending's.
 * @returns tasks/s from the worker being ready to the last task; the CPU per task meanwhile of
 * this process (worker, control room, client), the pool's children and Redis; and that span
 */
async function runBatch(url: string, n: number, send: (files: string[]) => Promise<void>): Promise<{ rate: number; cpuUs: number; from: number; to: number }> {
  await send(Array.from({ length: n }, (_, i) => `/virtual/file-${i}.bin`));
  const worker = new Worker({ module: TASKS, broker: url, pool: 'process', concurrency: 2, queues: ['bench-batch'] });
  await worker.start();
  const t = performance.now();
  const cpu0 = selfCpuSeconds() + childrenCpuSeconds();
  const before = worker.stats.succeeded + worker.stats.failed;
  while (worker.stats.succeeded + worker.stats.failed < n) await new Promise((r) => setTimeout(r, 5));
  const end = performance.now();
  const cpu = selfCpuSeconds() + childrenCpuSeconds() - cpu0;
  await worker.stop();
  return { rate: (n - before) / ((end - t) / 1000), cpuUs: (cpu / (n - before)) * 1e6, from: t, to: end };
}

/**
 * Worker throughput on a batch alone, and with the control room following it (its index, its
 * tracker, a connected client): a warm-up round, then six, each running the two back to back
 * in alternating order. @returns the median rate and CPU per task of each, the medians of the
 * six paired differences (this VM's speed drifts between rounds more than following costs),
 * and the updates a second the client got
 */
async function followCost(url: string, redis: Redis): Promise<{ alone: number; followed: number; slowdown: number; cpuAlone: number; cpuFollowed: number; extraCpu: number; updatesPerSecond: number }> {
  process.env.CELERIAC_BROKER_URL = url;
  const n = 60_000;
  const app = createApp({ broker: url, taskRecords: true });
  const alone: number[] = [];
  const followed: number[] = [];
  const cpuAlone: number[] = [];
  const cpuFollowed: number[] = [];
  const updateRates: number[] = [];
  // Alone: the same batch, sent the same way, nobody watching.
  const runAlone = async (): Promise<void> => {
    const solo = await runBatch(url, n, async (files) => void (await sendBatch(app, planBatch({ params: [], files }), { task: 'bench.add', queue: 'bench-batch' })));
    alone.push(solo.rate);
    cpuAlone.push(solo.cpuUs);
    await redis.flushall();
  };
  const runFollowed = async (): Promise<void> => {
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
    const run = await runBatch(url, n, async (files) => {
      const r = await room.call('batches:create', { task: 'bench.add', files, queue: 'bench-batch' });
      if (!r.ok) throw new Error(r.error.message);
    });
    followed.push(run.rate);
    cpuFollowed.push(run.cpuUs);
    // While the worker ran the batch.
    const during = updates.filter((t) => t >= run.from && t <= run.to).length;
    updateRates.push(during / ((run.to - run.from) / 1000));
    ws.close();
    await server.close();
    await room.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await redis.flushall();
  };
  // A warm-up round, then six, in alternating order (ABBA): what runs second is not always the same.
  for (let round = 0; round < 7; round++) {
    if (round % 2 === 0) {
      await runAlone();
      await runFollowed();
    } else {
      await runFollowed();
      await runAlone();
    }
  }
  await app.close();
  const median = (xs: number[]): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = sorted.length / 2;
    return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
  };
  // Round 0 warmed the code up (the control room's first run is cold): left out.
  for (const xs of [alone, followed, cpuAlone, cpuFollowed, updateRates]) xs.shift();
  const slowdowns = alone.map((a, i) => ((a - followed[i]!) / a) * 100);
  const extraCpu = cpuAlone.map((a, i) => ((cpuFollowed[i]! - a) / a) * 100);
  return {
    alone: median(alone), followed: median(followed), slowdown: median(slowdowns),
    cpuAlone: median(cpuAlone), cpuFollowed: median(cpuFollowed), extraCpu: median(extraCpu), updatesPerSecond: median(updateRates),
  };
}

export async function benchBatches(url: string, redis: Redis): Promise<Row[]> {
  const drop = await dropTenThousand(url, redis);
  // The machine's two cores are busy with the batch either way: what following costs the
  // workers is the CPU it adds per task. Wall-clock rates drift ±20 % between runs on this VM.
  const { alone, followed, slowdown, cpuAlone, cpuFollowed, extraCpu, updatesPerSecond } = await followCost(url, redis);
  return [
    { metric: '10,000 files dropped -> all queued (expand, plan, send, record)', celeriac: drop, unit: 'ms', goal: '<= 2000' },
    { metric: 'batch of 60k no-op tasks, -P process -c 2: alone / followed live', celeriac: alone, celery: followed, unit: 'tasks/s', goal: '(2nd column: followed)' },
    { metric: 'CPU per task, all processes: alone / followed', celeriac: cpuAlone, celery: cpuFollowed, unit: 'µs', goal: '(2nd column: followed)' },
    { metric: 'slowdown from following: CPU added per task (median of 6 pairs)', celeriac: extraCpu, unit: '%', goal: '<= 5' },
    { metric: 'same, in tasks/s (median of 6 paired runs; noisy)', celeriac: slowdown, unit: '%', goal: '(reference)' },
    { metric: 'batch progress updates reaching the client', celeriac: updatesPerSecond, unit: '/s', goal: '>= 4' },
  ];
}
