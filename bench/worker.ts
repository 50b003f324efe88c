import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue, Worker as BullWorker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createApp } from '../dist/src-main/core/index.js';
import { Worker } from '../dist/src-main/core/worker/worker.js';
import type { WorkerOptions } from '../dist/src-main/core/worker/options.js';
import { descendantsCpuSeconds, selfCpuSeconds } from './lib/cpu.js';
import type { Row } from './lib/report.js';
import { benchWorkerEvents } from './worker-events.js';
import { benchAgainstCeleryNode } from './celery-node.js';

const TASKS = fileURLToPath(new URL('./tasks/noop.ts', import.meta.url));
const PYTHON = '/usr/bin/python3';

interface Run {
  rate: number;
  /** CPU microseconds per task: worker process + pool children, and Redis. */
  cpuUs: number;
  redisUs: number;
}

async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  return Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]);
}

/** N no-op tasks queued first, then drained by a Celeriac worker; results kept. */
async function celeriacThroughput(url: string, redis: Redis, n: number, options: Partial<WorkerOptions>): Promise<Run> {
  const app = createApp({ broker: url });
  await app.sendMany(Array.from({ length: n }, (_, i) => ({ name: 'bench.add', args: [i, i] })));
  const worker = new Worker({ module: TASKS, broker: url, ...options });
  await worker.start();
  const [r0, s0, c0] = [await redisCpu(redis), selfCpuSeconds(), descendantsCpuSeconds()];
  const t0 = performance.now();
  while (worker.stats.succeeded < n) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = selfCpuSeconds() - s0 + (descendantsCpuSeconds() - c0);
  const redisUs = ((await redisCpu(redis)) - r0) / n * 1e6;
  await worker.stop();
  await app.close();
  await redis.flushall();
  return { rate: n / seconds, cpuUs: (cpu / n) * 1e6, redisUs };
}

/** delay() -> get() one at a time against a running worker: p50 and p99 in ms. */
async function celeriacLatency(url: string, redis: Redis, n: number, options: Partial<WorkerOptions>): Promise<[number, number]> {
  const app = createApp({ broker: url });
  const worker = new Worker({ module: TASKS, broker: url, ...options });
  await worker.start();
  const add = app.task('bench.add', (x: number, y: number) => x + y);
  // Steady state, as a long-running service sees it: the single-send path is cold until here.
  for (let i = 0; i < 1000; i++) await (await add.delay(i, i)).get(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await (await add.delay(i, i)).get();
    times.push(performance.now() - t);
  }
  await worker.stop();
  await app.close();
  await redis.flushall();
  times.sort((a, b) => a - b);
  return [times[Math.floor(n * 0.5)]!, times[Math.floor(n * 0.99)]!];
}

/** BullMQ 6 draining N queued jobs (completed jobs and their values kept, its default). */
async function bullmqThroughput(url: string, redis: Redis, n: number, sandboxed: boolean): Promise<Run> {
  const { hostname, port } = new URL(url);
  const connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
  const queue = new Queue('bench', { connection });
  for (let i = 0; i < n; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ name: 'add', data: { x: i + j, y: i + j } })));
  }
  let done = 0;
  const processor = sandboxed ? fileURLToPath(new URL('./bullmq/processor.cjs', import.meta.url)) : async (job: { data: { x: number; y: number } }) => job.data.x + job.data.y;
  const [r0, s0, c0] = [await redisCpu(redis), selfCpuSeconds(), descendantsCpuSeconds()];
  const t0 = performance.now();
  const worker = new BullWorker('bench', processor as never, { connection, concurrency: sandboxed ? 2 : 64, useWorkerThreads: false });
  worker.on('completed', () => done++);
  while (done < n) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = selfCpuSeconds() - s0 + (descendantsCpuSeconds() - c0);
  const redisUs = ((await redisCpu(redis)) - r0) / n * 1e6;
  await worker.close();
  await queue.close();
  await redis.flushall();
  return { rate: n / seconds, cpuUs: (cpu / n) * 1e6, redisUs };
}

/** Python Celery `-c 2` (prefork) draining N queued tasks, from its first claim to its last result. */
async function celeryThroughput(url: string, redis: Redis, n: number): Promise<Run | null> {
  const app = createApp({ broker: url });
  const results = await app.sendMany(Array.from({ length: n }, (_, i) => ({ name: 'bench.add', args: [i, i] })));
  await app.close();
  const cwd = fileURLToPath(new URL('./python/', import.meta.url));
  const proc = spawn(PYTHON, ['-m', 'celery', '-A', 'benchapp', 'worker', '-c', '2', '-P', 'prefork', '-l', 'warning', '--without-gossip', '--without-mingle', '--without-heartbeat'], {
    cwd, env: { ...process.env, BENCH_BROKER: url }, stdio: 'ignore',
  });
  const failed = new Promise<null>((resolve) => proc.on('error', () => resolve(null)));
  const started = (async () => {
    while ((await redis.llen('celery')) === n) await new Promise((r) => setTimeout(r, 5));
  })();
  if ((await Promise.race([started.then(() => 'ok'), failed])) === null) return null;
  const r0 = await redisCpu(redis);
  const t0 = performance.now();
  const keys = results.map((r) => `celery-task-meta-${r.id}`);
  for (;;) {
    const last = await redis.exists(keys[keys.length - 1]!);
    if (last && (await redis.exists(...keys)) === n) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - t0) / 1000;
  const redisUs = ((await redisCpu(redis)) - r0) / n * 1e6;
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  await redis.flushall();
  return { rate: n / seconds, cpuUs: NaN, redisUs };
}

/** Heap of a worker holding nothing, and after 100k ETA tasks went through it into the schedule (MB). */
async function scheduledMemory(url: string, redis: Redis): Promise<[number, number]> {
  const app = createApp({ broker: url });
  const worker = new Worker({ module: TASKS, broker: url, pool: 'async', concurrency: 8 });
  await worker.start();
  const heap = (): number => {
    globalThis.gc?.();
    return process.memoryUsage().heapUsed / 2 ** 20;
  };
  const before = heap();
  for (let i = 0; i < 100_000; i += 10_000) {
    await app.sendMany(Array.from({ length: 10_000 }, (_, j) => ({ name: 'bench.add', args: [i + j, 0], options: { countdown: 3600 } })));
  }
  while ((await redis.zcard('celeriac:schedule')) < 100_000) await new Promise((r) => setTimeout(r, 50));
  const after = heap();
  await worker.stop();
  await app.close();
  await redis.flushall();
  return [before, after];
}

/** The worker figures of issue #3, with BullMQ and Python Celery beside them. */
export async function benchWorker(url: string, redis: Redis, hasPython: boolean): Promise<Row[]> {
  process.env.CELERIAC_BROKER_URL = url; // the task module's createApp() in pool children
  const n = 30_000;
  const procDefault = await celeriacThroughput(url, redis, n, { pool: 'process', concurrency: 2 });
  const procFair = await celeriacThroughput(url, redis, n, { pool: 'process', concurrency: 2, perChild: 1 });
  const proc16 = await celeriacThroughput(url, redis, n, { pool: 'process', concurrency: 2, perChild: 16, childConcurrency: 16 });
  const asyncRun = await celeriacThroughput(url, redis, n, { pool: 'async', concurrency: 64 });
  const [p50, p99] = await celeriacLatency(url, redis, 2000, { pool: 'async', concurrency: 8 });
  const [pp50, pp99] = await celeriacLatency(url, redis, 2000, { pool: 'process', concurrency: 2 });
  const bullSandboxed = await bullmqThroughput(url, redis, 10_000, true);
  const bullInProcess = await bullmqThroughput(url, redis, n, false);
  const celery = hasPython ? await celeryThroughput(url, redis, 5000) : null;
  const [heapBefore, heapAfter] = await scheduledMemory(url, redis);
  const eventRows = await benchWorkerEvents(url, redis);
  const celeryNodeRows = await benchAgainstCeleryNode(url, redis);
  const ratio = (a: number, b: number | undefined): string => (b ? ` (${(a / b).toFixed(1)}× BullMQ)` : '');
  return [
    { metric: 'no-op tasks/s, -P process -c 2', celeriac: procDefault.rate, celery: celery?.rate ?? null, unit: 'tasks/s', goal: `>= 15,000${ratio(procDefault.rate, bullSandboxed.rate)}` },
    { metric: 'same, --per-child 1 (never sent ahead, as Celery -O fair)', celeriac: procFair.rate, celery: celery?.rate ?? null, unit: 'tasks/s', goal: `(reference)${ratio(procFair.rate, bullSandboxed.rate)}` },
    { metric: 'same, --per-child 16 --child-concurrency 16', celeriac: proc16.rate, celery: celery?.rate ?? null, unit: 'tasks/s', goal: `>= 15,000${ratio(proc16.rate, bullSandboxed.rate)}` },
    { metric: 'no-op tasks/s, -P async -c 64', celeriac: asyncRun.rate, unit: 'tasks/s', goal: `>= 25,000${ratio(asyncRun.rate, bullInProcess.rate)}` },
    { metric: 'BullMQ 6 sandboxed -c 2 / in-process -c 64', celeriac: bullSandboxed.rate, celery: bullInProcess.rate, unit: 'tasks/s', goal: '(reference; 2nd column is in-process)' },
    { metric: 'latency delay->result p50, async / process', celeriac: p50, celery: pp50, unit: 'ms', goal: '<= 0.5 (2nd column: process pool)' },
    { metric: 'latency delay->result p99, async / process', celeriac: p99, celery: pp99, unit: 'ms', goal: '<= 4 (2nd column: process pool)' },
    { metric: 'CPU per task, worker + children + Redis, process / async', celeriac: procDefault.cpuUs, celery: asyncRun.cpuUs, unit: 'µs', goal: '(2nd column: async)' },
    { metric: 'Redis CPU per task, Celeriac process / BullMQ sandboxed', celeriac: procDefault.redisUs, celery: bullSandboxed.redisUs, unit: 'µs', goal: '(2nd column: BullMQ)' },
    { metric: 'Python Celery -c 2 prefork tasks/s', celeriac: procDefault.rate, celery: celery?.rate ?? null, unit: 'tasks/s', goal: '>= 10× Celery' },
    { metric: 'worker heap: idle / holding 100k scheduled ETA tasks', celeriac: heapBefore, celery: heapAfter, unit: 'MB', goal: 'no growth (they wait in Redis)' },
    ...eventRows,
    ...celeryNodeRows,
  ];
}
