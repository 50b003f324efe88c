/**
 * Events end to end: a Celery cluster's task event stream on Redis pub/sub (a dozen workers'
 * `task.multi` lists, published from processes of their own at a set rate) read by a control
 * room in a process of its own into its history, beside Python Celery's EventReceiver +
 * events.state.State (what Flower runs) fed the same stream in the same run, one after the
 * other so that neither takes the other's core. The room's figures: tasks in its SQLite file
 * at the end against those published, how long after the last event the history held them
 * all, its CPU and RSS, whether Redis dropped its subscriber and what its status said.
 * `CELERIAC_BENCH_CPU_PROF=<folder>` profiles the room at the design rate (from the first event
 * until it caught up), writes the profile there and prints its top functions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import type { RedisServer } from '../test/helpers/redis-server.js';
import { publishEventStream, tasksFor, type StreamResult } from '../test/helpers/publish-events.js';
import { processCpuSeconds } from './lib/cpu.js';
import { topFunctions } from './lib/cpu-profile.js';
import type { Row } from './lib/report.js';

const ROOM = fileURLToPath(new URL('./lib/event-room.ts', import.meta.url));
const PYTHON_RECEIVER = fileURLToPath(new URL('./python/event_receiver.py', import.meta.url));
/** How long the room is given to hold every task after the last event, before it counts as lost. */
const CATCH_UP_LIMIT_MS = 15_000;
const DESIGN_RATE = 100_000;

interface RoomRun {
  rate: number;
  stream: StreamResult;
  /** Tasks in the history's file at the end, and how many of those ended. */
  stored: number;
  ended: number;
  /** ms from the last event published until the history counted every task ended; null: it never did. */
  catchUpMs: number | null;
  /** Cores the room and Redis used while the stream ran. */
  cores: number;
  redisCores: number;
  /**
   * Events Redis delivered to the room (all of them, unless it dropped the subscriber), from the
   * bytes it sent: the stream's events in the share of its bytes that went out.
   */
  delivered: number;
  /** The room's CPU from the first event until it caught up (or gave up), per event delivered to it. */
  cpuUsPerEvent: number;
  /** The share of the stream's time some task on the machine waited for a CPU (how loaded it was; the bench's own processes included). */
  cpuPressure: number | null;
  /** The longest its event loop was held, and the 99th percentile of its delay, from the first event until it caught up. */
  loopMaxMs: number;
  loopP99Ms: number;
  peakRssMb: number;
  /** Subscribers Redis closed for its pub/sub output buffer limit during the run. */
  dropped: number;
  status: string;
}

/** JSON lines from a child's stdout, one at a time. */
function lines(child: ChildProcess): () => Promise<Record<string, unknown>> {
  const it = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return async () => {
    const next = await it.next();
    if (next.done) throw new Error('the process ended before it answered');
    return JSON.parse(next.value as string) as Record<string, unknown>;
  };
}

/** The peak RSS a process reached (VmHWM), MB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Microseconds some task on this machine waited for a CPU so far (Linux's pressure stall information), null where unknown. */
function cpuStallUs(): number | null {
  try {
    const m = /some .*total=(\d+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Bytes Redis has sent to its clients so far (the room's subscriber: the others are sent a few bytes a command). */
async function bytesOut(server: RedisServer): Promise<number> {
  const info = await server.client().info('stats');
  return Number(/total_net_output_bytes:(\d+)/.exec(info)?.[1] ?? NaN);
}

/** Tasks by state in the history's SQLite file(s) under a data folder. */
function storedTasks(dataDir: string): { stored: number; ended: number } {
  let stored = 0;
  let ended = 0;
  const dir = join(dataDir, 'history');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sqlite'))) {
    const db = new Database(join(dir, file), { readonly: true });
    for (const r of db.prepare('SELECT state, count(*) AS n FROM tasks GROUP BY state').all() as Array<{ state: string; n: number }>) {
      stored += r.n;
      if (r.state === 'SUCCESS' || r.state === 'FAILURE') ended += r.n;
    }
    db.close();
  }
  return { stored, ended };
}

/** Counts the subscribers Redis closes for their output buffer (its log says each). */
function watchDrops(server: RedisServer): { count: () => number; stop: () => void } {
  let n = 0;
  const onData = (d: Buffer): void => {
    n += d.toString().split('overcoming of output buffer limits').length - 1;
  };
  server.process.stdout!.on('data', onData);
  return { count: () => n, stop: () => server.process.stdout!.off('data', onData) };
}

/** @param profile a file the room's CPU profile is written to, from the first event until it caught up (or gave up) */
async function roomRun(server: RedisServer, rate: number, seconds: number, profile?: string): Promise<RoomRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-bench-events-'));
  const env = { ...process.env, CELERIAC_BENCH_CPU_PROF: profile ?? '' };
  const room = spawn(process.execPath, ['--import', 'tsx', ROOM, server.url, dataDir], { stdio: ['pipe', 'pipe', 'inherit'], env });
  try {
    const next = lines(room);
    await next(); // ready
    const drops = watchDrops(server);
    const redisPid = server.process.pid!;
    room.stdin!.write(`${JSON.stringify({ start: true })}\n`);
    await next(); // started
    const cpu0 = processCpuSeconds(room.pid!);
    const redisCpu0 = processCpuSeconds(redisPid);
    const out0 = await bytesOut(server);
    const stall0 = cpuStallUs();
    const stallFrom = Date.now();
    const stream = await publishEventStream({ url: server.url, rate, tasks: tasksFor(rate * seconds) });
    const streamCpu = processCpuSeconds(room.pid!) - cpu0;
    const redisCpu = processCpuSeconds(redisPid) - redisCpu0;
    const stall1 = cpuStallUs();
    const stallTo = Date.now();
    room.stdin!.write(`${JSON.stringify({ await: stream.tasks, timeoutMs: CATCH_UP_LIMIT_MS })}\n`);
    const caught = (await next()) as { done: boolean; at: number; processed: number; loopMaxMs: number; loopP99Ms: number };
    const cpu = processCpuSeconds(room.pid!) - cpu0;
    const streamS = (stream.lastAt - stream.firstAt) / 1000;
    const peak = peakRssMb(room.pid!);
    const delivered = Math.min(stream.events, Math.round((stream.events * ((await bytesOut(server)) - out0)) / stream.bytes));
    room.stdin!.write(`${JSON.stringify({ status: true })}\n`);
    const status = String((await next()).status);
    drops.stop();
    const exited = new Promise((r) => room.once('exit', r));
    room.stdin!.end();
    await exited;
    const stored = storedTasks(dataDir);
    return {
      rate,
      stream,
      ...stored,
      catchUpMs: caught.done ? Math.max(0, caught.at - stream.lastAt) : null,
      cores: streamCpu / streamS,
      delivered,
      cpuUsPerEvent: (cpu * 1e6) / Math.max(1, delivered),
      redisCores: redisCpu / streamS,
      cpuPressure: stall0 === null || stall1 === null ? null : (stall1 - stall0) / 1e3 / (stallTo - stallFrom),
      loopMaxMs: caught.loopMaxMs,
      loopP99Ms: caught.loopP99Ms,
      peakRssMb: peak,
      dropped: drops.count(),
      status,
    };
  } finally {
    if (room.exitCode === null) room.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Python's EventReceiver + State fed the stream at the design rate, which it cannot keep up
 * with: the events its State took per second while it was behind. Redis's pub/sub output
 * buffer limit is lifted for it meanwhile, so that it is measured rather than dropped.
 */
async function pythonRun(server: RedisServer, seconds: number): Promise<{ eventsPerS: number; cpuUsPerEvent: number }> {
  const redis = server.client();
  const [, limit] = (await redis.config('GET', 'client-output-buffer-limit')) as [string, string];
  await redis.config('SET', 'client-output-buffer-limit', 'pubsub 0 0 0');
  const patternsBefore = Number(((await redis.call('PUBSUB', 'NUMPAT')) as number) ?? 0);
  const python = spawn('/usr/bin/python3', [PYTHON_RECEIVER, server.url], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const samples: Array<{ t: number; n: number; cpu: number }> = [];
    createInterface({ input: python.stdout! }).on('line', (l) => samples.push(JSON.parse(l) as { t: number; n: number; cpu: number }));
    while (Number(await redis.call('PUBSUB', 'NUMPAT')) <= patternsBefore) await new Promise((r) => setTimeout(r, 50));
    const stream = await publishEventStream({ url: server.url, rate: DESIGN_RATE, tasks: tasksFor(DESIGN_RATE * seconds), firstTask: 10_000_000 });
    // It drains what Redis holds for it at its own pace: measured until it has all or for as long again.
    const until = Date.now() + seconds * 2000;
    while (Date.now() < until && (samples.at(-1)?.n ?? 0) < stream.events) await new Promise((r) => setTimeout(r, 250));
    const busy = samples.filter((s) => s.n > 0 && s.n < stream.events);
    const first = busy[0];
    const last = busy.at(-1);
    const eventsPerS = first && last && last.t > first.t ? (last.n - first.n) / (last.t - first.t) : NaN;
    const cpuUsPerEvent = first && last && last.n > first.n ? ((last.cpu - first.cpu) * 1e6) / (last.n - first.n) : NaN;
    return { eventsPerS, cpuUsPerEvent };
  } finally {
    python.kill();
    await redis.config('SET', 'client-output-buffer-limit', limit);
  }
}

function describe(r: RoomRun): string {
  const lost = r.stream.tasks - r.ended;
  return `[bench] events at ${r.rate.toLocaleString('en-US')}/s asked, ${Math.round(r.stream.rate).toLocaleString('en-US')}/s published (${r.stream.events} events, ${r.stream.tasks} tasks): ${r.delivered} events delivered to the room; history ${r.ended} ended of ${r.stored} stored, ${lost} lost; caught up ${r.catchUpMs === null ? `not within ${CATCH_UP_LIMIT_MS} ms` : `${r.catchUpMs} ms`} after the last event; room ${r.cores.toFixed(2)} cores while the stream ran, ${r.cpuUsPerEvent.toFixed(1)} µs/event, event loop held ${Math.round(r.loopMaxMs)} ms at most (p99 ${Math.round(r.loopP99Ms)} ms), peak RSS ${Math.round(r.peakRssMb)} MB; Redis ${r.redisCores.toFixed(2)} cores, subscribers dropped ${r.dropped}; machine: some task waited for a CPU ${r.cpuPressure === null ? '?' : `${Math.round(r.cpuPressure * 100)} %`} of the time; status: ${r.status || '(none)'}`;
}

/** The room's sustained rate: events published over the time from the first until it held every task (null when it never did). */
const sustained = (r: RoomRun): number | null => (r.catchUpMs === null ? null : r.stream.events / ((r.stream.lastAt + r.catchUpMs - r.stream.firstAt) / 1000));

export async function benchEvents(server: RedisServer, hasPython: boolean): Promise<Row[]> {
  const profileDir = process.env.CELERIAC_BENCH_CPU_PROF;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const profile = profileDir ? join(profileDir, `room-${Date.now()}.cpuprofile`) : undefined;
  const design = await roomRun(server, DESIGN_RATE, 10, profile);
  console.log(describe(design));
  const lower = await roomRun(server, DESIGN_RATE / 2, 4);
  console.log(describe(lower));
  const higher = await roomRun(server, DESIGN_RATE * 1.5, 4);
  console.log(describe(higher));
  const python = hasPython ? await pythonRun(server, 3) : null;
  if (python) console.log(`[bench] events: Python's EventReceiver + State took ${Math.round(python.eventsPerS)} events/s while behind a ${DESIGN_RATE}/s stream, ${python.cpuUsPerEvent.toFixed(1)} µs of CPU an event`);
  if (profile) {
    const { idle, top } = topFunctions(profile, 25);
    console.log(`[bench] the room's top functions at ${DESIGN_RATE}/s, % of its busy samples (self, total); idle ${(idle * 100).toFixed(0)} % of the samples; ${profile}:`);
    for (const f of top) console.log(`  ${(f.self * 100).toFixed(1).padStart(5)}  ${(f.total * 100).toFixed(1).padStart(5)}  ${f.fn}`);
  }
  const rows = (r: RoomRun, label: string): Row[] => [
    { metric: `${label}: the room's sustained events/s (published ${Math.round(r.stream.rate)}/s), vs Python's EventReceiver + State behind the same stream`, celeriac: sustained(r), celery: python?.eventsPerS ?? null, unit: 'events/s', goal: r.rate === DESIGN_RATE ? '>= 100000 and >= 5× Python' : undefined },
    { metric: `${label}: tasks lost (of ${r.stream.tasks} published; history file at the end)`, celeriac: r.stream.tasks - r.ended, unit: 'tasks', goal: '0' },
    { metric: `${label}: the history complete after the last event`, celeriac: r.catchUpMs, unit: 'ms', goal: '<= 1000' },
    { metric: `${label}: CPU an event: the room's (of those Redis delivered to it, from the first until complete or it gave up) vs Python's EventReceiver + State`, celeriac: r.cpuUsPerEvent, celery: python?.cpuUsPerEvent ?? null, unit: 'µs/event' },
    { metric: `${label}: the room's CPU while the stream ran`, celeriac: r.cores, unit: 'cores' },
    { metric: `${label}: the longest the room's event loop was held`, celeriac: r.loopMaxMs, unit: 'ms' },
    { metric: `${label}: the room's peak RSS`, celeriac: r.peakRssMb, unit: 'MB' },
    { metric: `${label}: subscribers Redis dropped (pub/sub output buffer limit)`, celeriac: r.dropped, unit: '', goal: '0' },
  ];
  return [...rows(design, '100k events/s for 10 s'), ...rows(lower, '50k events/s for 4 s'), ...rows(higher, '150k events/s asked for 4 s')];
}
