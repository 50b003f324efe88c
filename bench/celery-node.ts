/**
 * No-op tasks a second in one process: Celeriac's worker (`-P async`) against celery-node's,
 * each draining the same N tasks that Celeriac's producer queued (Celery protocol 2, JSON,
 * which celery-node's worker reads), timed alike: from its first take off the queue to the
 * last task's stored result.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { createApp } from '../dist/src-main/core/index.js';
import { processCpuSeconds } from './lib/cpu.js';
import type { Row } from './lib/report.js';

const CLI = fileURLToPath(new URL('../bin/celeriac.js', import.meta.url));
const TASKS = fileURLToPath(new URL('./tasks/noop.ts', import.meta.url));
const CELERY_NODE_WORKER = fileURLToPath(new URL('./celery-node-worker.ts', import.meta.url));

interface Drained {
  rate: number;
  /** CPU a task of the worker's process, µs. */
  cpuUs: number;
}

/** Queues N no-op tasks, starts a worker process, and times it from its first take to every result stored. */
async function drainBy(url: string, redis: Redis, n: number, start: () => ChildProcess): Promise<Drained> {
  const app = createApp({ broker: url });
  const results = await app.sendMany(Array.from({ length: n }, (_, i) => ({ name: 'bench.add', args: [i, i] })));
  await app.close();
  const proc = start();
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let failed = false;
  void exited.then(() => (failed = true));
  while ((await redis.llen('celery')) === n) {
    if (failed) throw new Error('the worker process exited before it took a task');
    await new Promise((r) => setTimeout(r, 2));
  }
  const cpu0 = processCpuSeconds(proc.pid!);
  const t0 = performance.now();
  const keys = results.map((r) => `celery-task-meta-${r.id}`);
  for (;;) {
    if ((await redis.exists(keys[keys.length - 1]!)) && (await redis.exists(...keys)) === n) break;
    if (failed) throw new Error('the worker process exited before it finished');
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuUs = ((processCpuSeconds(proc.pid!) - cpu0) / n) * 1e6;
  proc.kill('SIGTERM');
  await exited;
  await redis.flushall();
  return { rate: n / seconds, cpuUs };
}

const celeriac = (url: string): ChildProcess =>
  spawn(process.execPath, [CLI, 'worker', '-A', TASKS, '-b', url, '-P', 'async', '-c', '64', '-l', 'warning', '-n', 'bench@celeriac'], {
    env: { ...process.env, CELERIAC_BROKER_URL: url },
    stdio: 'ignore',
  });

const celeryNode = (url: string): ChildProcess =>
  spawn(process.execPath, ['--import', 'tsx', CELERY_NODE_WORKER, url], { stdio: 'ignore' });

/** The row: Celeriac's no-op tasks/s in one process against celery-node's, best of `rounds` each. */
export async function benchAgainstCeleryNode(url: string, redis: Redis, n = 20_000, rounds = 2): Promise<Row[]> {
  const ours: Drained[] = [];
  const theirs: Drained[] = [];
  for (let i = 0; i < rounds; i++) {
    ours.push(await drainBy(url, redis, n, () => celeriac(url)));
    theirs.push(await drainBy(url, redis, n, () => celeryNode(url)));
  }
  const best = (runs: Drained[]): Drained => runs.reduce((a, b) => (b.rate > a.rate ? b : a));
  const [a, b] = [best(ours), best(theirs)];
  return [
    { metric: `no-op tasks/s in one process: Celeriac -P async -c 64 / celery-node 0.5.9 (its worker acknowledges nothing)`, celeriac: a.rate, celery: b.rate, unit: 'tasks/s', goal: `>= 3× celery-node: ${(a.rate / b.rate).toFixed(1)}×` },
    { metric: 'same, CPU a task of the worker process, Celeriac / celery-node', celeriac: a.cpuUs, celery: b.cpuUs, unit: 'µs', goal: '(reference)' },
  ];
}
