/**
 * Batches: how fast a drop of 10,000 files is queued, and what following a running batch in
 * the UI costs the workers (the control room's task index and batch tracker on the same
 * Redis, a WebSocket client receiving `batches:changed`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../dist/src-main/core/index.js';
import { planBatch } from '../dist/src-main/core/batch/plan.js';
import { sendBatch } from '../dist/src-main/core/batch/send.js';
import { HostedWorker } from '../dist/src-main/service/hosted-worker/hosted-worker.js';
import { startBatchWatcher } from './lib/batch-watcher.js';
import { ControlRoom } from '../dist/src-main/service/room/control-room.js';
import { descendantsCpuSeconds, processCpuSeconds, selfCpuSeconds } from './lib/cpu.js';
import type { Row } from './lib/report.js';

const TASKS = fileURLToPath(new URL('./tasks/noop.ts', import.meta.url));
const FOLLOWER = fileURLToPath(new URL('./lib/follower.ts', import.meta.url));
const QUEUE = 'bench-batch';

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

/** The follower process (bench/lib/follower.ts) and its JSON-lines conversation. */
class FollowerProcess {
  private readonly child: ChildProcess;
  private readonly lines: AsyncIterator<string>;

  constructor(url: string, queue: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', FOLLOWER, url, queue], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout! })[Symbol.asyncIterator]();
  }

  get pid(): number {
    return this.child.pid!;
  }

  async next<T>(): Promise<T> {
    const line = await this.lines.next();
    if (line.done) throw new Error('the follower process ended');
    return JSON.parse(line.value) as T;
  }

  async ask<T>(command: object): Promise<T> {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    return this.next<T>();
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end();
    await exited;
  }
}

interface BatchRun {
  rate: number;
  /** CPU per task of every process (worker, children, Redis, and the follower if any), µs. */
  cpuUs: number;
  /** Of that, the follower process's (0 without one)... */
  followerUs: number;
  /** ...and this process's (the control room when it hosts the pool; else only the bench's looking). */
  selfUs: number;
  /** The run's span, epoch ms. */
  from: number;
  to: number;
}

/** A worker running the batch: how many tasks it finished, and how it stops. */
interface RunningWorker {
  finished(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * How many of the batch's n tasks are done: neither waiting in the queue nor claimed (a task's
 * ack is written with its result). One round trip; the same for every arm.
 */
async function finishedOf(redis: Redis, n: number): Promise<number> {
  const [[, waiting], [, claimed]] = (await redis.pipeline().llen(QUEUE).hlen('unacked').exec()) as [[null, number], [null, number]];
  return n - waiting - claimed;
}

/**
 * `-P process -c 2` in a process of its own, as the control room's pool runs it (a worker
 * process with its children: the arms differ in who follows, not in how the worker runs).
 */
async function startWorkerProcess(app: App, redis: Redis, n: number): Promise<RunningWorker> {
  const pool = new HostedWorker(app);
  await pool.start([TASKS], 2, [QUEUE]);
  return { finished: () => finishedOf(redis, n), stop: async () => void (await pool.stop()) };
}

/**
 * Queues a batch of n no-op tasks, then lets a worker run it to the end. The worker starts
 * once everything is queued: what is measured is the workers' speed, not the sending's.
 * @param follower a follower process whose CPU meanwhile is reported apart
 */
async function runBatch(n: number, send: () => Promise<void>, start: () => Promise<RunningWorker>, follower?: FollowerProcess): Promise<BatchRun> {
  await send();
  // What the sending left to do (its garbage, the announcements of the tasks sent) is not the
  // workers' run: it settles first, the same in every arm.
  await new Promise((r) => setTimeout(r, 500));
  const worker = await start();
  const [t, from] = [performance.now(), Date.now()];
  const self0 = selfCpuSeconds();
  const cpu0 = self0 + descendantsCpuSeconds();
  const own0 = follower ? processCpuSeconds(follower.pid) : 0;
  const before = await worker.finished();
  // Every 20 ms: each look is a round trip to Redis.
  while ((await worker.finished()) < n) await new Promise((r) => setTimeout(r, 20));
  const [end, to] = [performance.now(), Date.now()];
  const self = selfCpuSeconds() - self0;
  const cpu = self + self0 + descendantsCpuSeconds() - cpu0;
  const own = follower ? processCpuSeconds(follower.pid) - own0 : 0;
  await worker.stop();
  const ran = n - before;
  return { rate: ran / ((end - t) / 1000), cpuUs: (cpu / ran) * 1e6, followerUs: (own / ran) * 1e6, selfUs: (self / ran) * 1e6, from, to };
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
};

interface FollowCost {
  rate: { alone: number; followed: number; hosted: number };
  cpu: { alone: number; followed: number; hosted: number };
  /**
   * Medians of the paired runs: the control room's CPU per task over the run alone's, %. In
   * its own process, the follower's; hosting the pool, this process's beyond the run alone's.
   */
  share: { followed: number; hosted: number };
  /** Median paired differences, %: all-process CPU per task, and tasks/s. */
  extraCpu: { followed: number; hosted: number };
  slowdown: { followed: number; hosted: number };
  updatesPerSecond: { followed: number; hosted: number };
}

/**
 * Worker throughput on a batch alone, and with a control room following it (its index, its
 * tracker, a connected client): a control room in a process of its own following a worker
 * ("followed", as a desktop app or `celeriac serve` watching `celeriac worker` processes), and
 * the pool a control room hosts ("hosted", its worker started by `pool:start`). A warm-up
 * round, then six, each running the
 * three back to back in a rotating order: this VM's speed drifts between rounds more than
 * following costs, so what is compared is the runs of one round.
 */
async function followCost(url: string, redis: Redis): Promise<FollowCost> {
  process.env.CELERIAC_BROKER_URL = url;
  const n = 60_000;
  const app = createApp({ broker: url, taskRecords: true });
  const runs: Record<'alone' | 'followed' | 'hosted', BatchRun[]> = { alone: [], followed: [], hosted: [] };
  const updates: Record<'followed' | 'hosted', number[]> = { followed: [], hosted: [] };
  const files = Array.from({ length: n }, (_, i) => `/virtual/file-${i}.bin`);

  // Alone: the same batch, sent the same way, nobody watching.
  const runAlone = async (): Promise<void> => {
    runs.alone.push(await runBatch(n, async () => void (await sendBatch(app, planBatch({ params: [], files }), { task: 'bench.add', queue: QUEUE })), () => startWorkerProcess(app, redis, n)));
    await redis.flushall();
  };
  const runFollowed = async (): Promise<void> => {
    const follower = new FollowerProcess(url, QUEUE);
    await follower.next();
    const run = await runBatch(n, () => follower.ask({ create: n }), () => startWorkerProcess(app, redis, n), follower);
    runs.followed.push(run);
    const { count } = await follower.ask<{ count: number }>({ updates: [run.from, run.to] });
    updates.followed.push(count / ((run.to - run.from) / 1000));
    await follower.close();
    await redis.flushall();
  };
  const runHosted = async (): Promise<void> => {
    const watcher = await startBatchWatcher(url);
    const { room } = watcher;
    const run = await runBatch(n, async () => {
      const r = await room.call('batches:create', { task: 'bench.add', files, queue: QUEUE });
      if (!r.ok) throw new Error(r.error.message);
    }, async () => {
      // The control room's own pool (its worker process, and that worker's children).
      const started = await room.call('pool:start', { modules: [TASKS], concurrency: 2, queues: [QUEUE] });
      if (!started.ok) throw new Error(started.error.message);
      return { finished: () => finishedOf(redis, n), stop: async () => void (await room.call('pool:stop', {})) };
    });
    runs.hosted.push(run);
    updates.hosted.push(watcher.updatesBetween(run.from, run.to) / ((run.to - run.from) / 1000));
    await watcher.close();
    await redis.flushall();
  };
  const arms = [runAlone, runFollowed, runHosted];
  for (let round = 0; round < 7; round++) {
    for (let k = 0; k < arms.length; k++) await arms[(round + k) % arms.length]!();
  }
  await app.close();
  // Round 0 warmed the code up (the control room's first run is cold): left out.
  for (const xs of [runs.alone, runs.followed, runs.hosted, updates.followed, updates.hosted]) xs.shift();
  const paired = (arm: BatchRun[], of: (r: BatchRun) => number, sign: 1 | -1): number =>
    median(runs.alone.map((a, i) => (sign * (of(arm[i]!) - of(a)) / of(a)) * 100));
  return {
    rate: { alone: median(runs.alone.map((r) => r.rate)), followed: median(runs.followed.map((r) => r.rate)), hosted: median(runs.hosted.map((r) => r.rate)) },
    cpu: { alone: median(runs.alone.map((r) => r.cpuUs)), followed: median(runs.followed.map((r) => r.cpuUs)), hosted: median(runs.hosted.map((r) => r.cpuUs)) },
    share: {
      followed: median(runs.followed.map((r, i) => (r.followerUs / runs.alone[i]!.cpuUs) * 100)),
      hosted: median(runs.hosted.map((r, i) => ((r.selfUs - runs.alone[i]!.selfUs) / runs.alone[i]!.cpuUs) * 100)),
    },
    extraCpu: { followed: paired(runs.followed, (r) => r.cpuUs, 1), hosted: paired(runs.hosted, (r) => r.cpuUs, 1) },
    slowdown: { followed: paired(runs.followed, (r) => r.rate, -1), hosted: paired(runs.hosted, (r) => r.rate, -1) },
    updatesPerSecond: { followed: median(updates.followed), hosted: median(updates.hosted) },
  };
}

export async function benchBatches(url: string, redis: Redis): Promise<Row[]> {
  const drop = await dropTenThousand(url, redis);
  const f = await followCost(url, redis);
  return [
    { metric: '10,000 files dropped -> all queued (expand, plan, send, record)', celeriac: drop, unit: 'ms', goal: '<= 2000' },
    { metric: 'batch of 60k no-op tasks, -P process -c 2: alone / followed live', celeriac: f.rate.alone, celery: f.rate.followed, unit: 'tasks/s', goal: '(2nd column: followed)' },
    // The machine's two cores are busy with the batch either way: what following costs the
    // workers is the CPU it takes from them.
    { metric: 'following: CPU of the control room per task, over the run alone: apart / hosting', celeriac: f.share.followed, celery: f.share.hosted, unit: '%', goal: '<= 5 (2nd column: hosting)' },
    { metric: 'CPU per task, all processes: alone / followed', celeriac: f.cpu.alone, celery: f.cpu.followed, unit: 'µs', goal: '(2nd column: followed)' },
    { metric: 'same, paired difference: CPU per task / tasks/s', celeriac: f.extraCpu.followed, celery: f.slowdown.followed, unit: '%', goal: '(reference: ±5-10 % noise; 2nd: slowdown)' },
    { metric: 'hosted: the pool the control room hosts, followed by it: tasks/s', celeriac: f.rate.hosted, unit: 'tasks/s', goal: '(reference)' },
    { metric: 'hosted, paired difference: CPU per task / tasks/s', celeriac: f.extraCpu.hosted, celery: f.slowdown.hosted, unit: '%', goal: '(reference: ±5-10 % noise; 2nd: slowdown)' },
    { metric: 'batch progress updates reaching the client: followed / hosted', celeriac: f.updatesPerSecond.followed, celery: f.updatesPerSecond.hosted, unit: '/s', goal: '>= 4' },
  ];
}
