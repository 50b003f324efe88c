/**
 * A worker's throughput with task events on against off, in the same run, while a subscriber
 * reads the events as the control room does (bench/lib/event-reader.ts, a process of its own).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { createApp } from '../dist/src-main/core/index.js';
import { Worker } from '../dist/src-main/core/worker/worker.js';
import type { WorkerOptions } from '../dist/src-main/core/worker/options.js';
import { descendantsCpuSeconds, processCpuSeconds, selfCpuSeconds } from './lib/cpu.js';
import type { Row } from './lib/report.js';

const TASKS = fileURLToPath(new URL('./tasks/noop.ts', import.meta.url));
const READER = fileURLToPath(new URL('./lib/event-reader.ts', import.meta.url));

interface ReaderCount {
  events: number;
  taskEvents: number;
  messages: number;
}

/** The event reader process and its JSON-lines conversation. */
class EventReader {
  readonly child: ChildProcess;
  private readonly lines: Interface;
  private readonly waiting: Array<(line: Record<string, unknown>) => void> = [];

  constructor(url: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', READER, url], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout! });
    this.lines.on('line', (line) => this.waiting.shift()?.(JSON.parse(line) as Record<string, unknown>));
  }

  next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async count(): Promise<ReaderCount> {
    const answer = this.next();
    this.child.stdin!.write('{"count":true}\n');
    return (await answer) as unknown as ReaderCount;
  }

  close(): void {
    this.child.stdin!.end();
  }
}

/** N no-op tasks queued first, then drained by a worker: tasks/s, and the task events the reader got. */
async function drain(url: string, redis: Redis, n: number, reader: EventReader, options: Partial<WorkerOptions>): Promise<Drained> {
  const app = createApp({ broker: url });
  await app.sendMany(Array.from({ length: n }, (_, i) => ({ name: 'bench.add', args: [i, i] })));
  const before = await reader.count();
  const worker = new Worker({ module: TASKS, broker: url, ...options });
  await worker.start();
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
  const cpu = (): Cpu => {
    const readerCpu = processCpuSeconds(reader.child.pid!);
    const redisCpu = processCpuSeconds(redisPid);
    return { worker: selfCpuSeconds() + descendantsCpuSeconds() - readerCpu - redisCpu, reader: readerCpu, redis: redisCpu };
  };
  const c0 = cpu();
  const t0 = performance.now();
  while (worker.stats.succeeded < n) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - t0) / 1000;
  const c1 = cpu();
  const perTask = (k: keyof Cpu): number => ((c1[k] - c0[k]) / n) * 1e6;
  await worker.stop();
  await app.close();
  // What the reader still has to read arrives after the stop: give it a moment to catch up.
  let after = await reader.count();
  for (let i = 0; i < 50 && options.events && after.taskEvents - before.taskEvents < 3 * n; i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = await reader.count();
  }
  await redis.flushall();
  return { rate: n / seconds, taskEvents: after.taskEvents - before.taskEvents, messages: after.messages - before.messages, cpuUs: { worker: perTask('worker'), reader: perTask('reader'), redis: perTask('redis') } };
}

/** CPU seconds so far, or µs a task: the worker (its pool's children in), the reader, Redis. */
interface Cpu {
  worker: number;
  reader: number;
  redis: number;
}

interface Drained {
  rate: number;
  taskEvents: number;
  messages: number;
  cpuUs: Cpu;
}

/** Runs off then on, `rounds` times; the best of each (the machine's noise only ever slows a run). */
async function onVersusOff(url: string, redis: Redis, reader: EventReader, n: number, rounds: number, options: Partial<WorkerOptions>) {
  const best = (runs: Drained[]): Drained => runs.reduce((a, b) => (b.rate > a.rate ? b : a));
  const offs: Drained[] = [];
  const ons: Drained[] = [];
  for (let i = 0; i < rounds; i++) {
    offs.push(await drain(url, redis, n, reader, { ...options, events: false }));
    ons.push(await drain(url, redis, n, reader, { ...options, events: true }));
  }
  const missed = ons.reduce((sum, r) => sum + 3 * n - r.taskEvents, 0);
  const messages = ons.reduce((sum, r) => sum + r.messages, 0);
  return { off: best(offs), on: best(ons), missed, eventsPerMessage: (3 * n * rounds) / Math.max(1, messages) };
}

/** The rows: throughput with task events on as a share of off, and where the CPU goes, process and async pools. */
export async function benchWorkerEvents(url: string, redis: Redis, n = 20_000, rounds = 2, extra: Partial<WorkerOptions> = {}): Promise<Row[]> {
  process.env.CELERIAC_BROKER_URL = url; // the task module's createApp() in pool children
  const reader = new EventReader(url);
  await reader.next(); // ready
  try {
    const proc = await onVersusOff(url, redis, reader, n, rounds, { pool: 'process', concurrency: 2, ...extra });
    const asyncRun = await onVersusOff(url, redis, reader, n, rounds, { pool: 'async', concurrency: 64, ...extra });
    const rows = (label: string, r: typeof proc): Row[] => [
      {
        metric: `${label}: tasks/s, task events on (2nd column: off; a room-like reader: ${r.missed} of ${3 * n * rounds} task events missed, ${r.eventsPerMessage.toFixed(0)} a message)`,
        celeriac: r.on.rate,
        celery: r.off.rate,
        unit: 'tasks/s',
        goal: `on >= 95 % of off: ${((r.on.rate / r.off.rate) * 100).toFixed(1)} %`,
      },
      {
        metric: `${label}: worker CPU a task (its children in), events on (2nd column: off); reader ${r.on.cpuUs.reader.toFixed(1)} µs, Redis ${r.on.cpuUs.redis.toFixed(1)} / ${r.off.cpuUs.redis.toFixed(1)} µs`,
        celeriac: r.on.cpuUs.worker,
        celery: r.off.cpuUs.worker,
        unit: 'µs',
        goal: '(where the events cost)',
      },
    ];
    return [...rows('-P process -c 2', proc), ...rows('-P async -c 64', asyncRun)];
  } finally {
    reader.close();
  }
}
