/**
 * The chaos scenario: tasks sent through Redis Sentinel to several `celeriac worker -P process`
 * processes while, on a timeline, workers are killed with -9 at random, the master is stalled
 * (CLIENT PAUSE), restarted, and finally killed so that Sentinel promotes the replica; poison
 * messages and a `celeriac serve` fed bad input run alongside; the serve's history meets its
 * own faults (its event subscriber dropped, its file locked, its disk full). Bounded in count
 * and time, on loopback only. The report says what became of every task sent, in Redis and in
 * the serve's history.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import WebSocket from 'ws';
import { createApp, type App } from '../src-main/core/app.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { startSentinelSetup, type SentinelSetup } from '../test/helpers/sentinel.js';
import { startServe, stopServe } from '../test/helpers/serve.js';
import { CLI } from '../test/helpers/cli.js';
import { poisonMessages } from './poison.js';
import { dropEventSubscribers, historyFileOf, historyStates, lockHistory, mountSmallDisk } from './history-faults.js';

const TASKS = fileURLToPath(new URL('./tasks.ts', import.meta.url));
/** How long the history's file stays locked, and its disk full. */
const HISTORY_FAULT_MS = 3000;
/** The serve's data folder's disk (a tmpfs): room for the history of the full run, and no more. */
const SERVE_DISK_MB = 96;
/**
 * Append-only on every write, so that a restart keeps every acknowledged write; the replica's
 * full resync after it starts at once (Redis 7 waits 5 s for more replicas by default).
 */
const REDIS_ARGS = ['--appendonly', 'yes', '--appendfsync', 'always', '--repl-diskless-sync-delay', '0'];

export interface ChaosOptions {
  tasks: number;
  workers: number;
  /** How long the timeline of faults runs, in seconds. */
  seconds: number;
  /** Give up waiting for the last results after this long, in seconds. */
  drainSeconds: number;
  log?: (line: string) => void;
}

export const FULL: ChaosOptions = { tasks: 10_000, workers: 3, seconds: 60, drainSeconds: 60 };
export const SHORT: ChaosOptions = { tasks: 1_000, workers: 2, seconds: 15, drainSeconds: 45 };

export interface ChaosReport {
  sent: number;
  states: Record<string, number>;
  lost: number;
  ranMoreThanOnce: number;
  deadLettered: number;
  deadLettersExpected: number;
  workersKilled: number;
  /** Worker processes that exited without being killed: a crash. */
  workerCrashes: number;
  workersAlive: number;
  serveAlive: boolean;
  /** The tasks sent, by their state in the serve's history (MISSING: not there). */
  history: Record<string, number>;
  faults: string[];
  seconds: number;
}

interface WorkerProc {
  proc: ChildProcess;
  killedByUs: boolean;
  log: string;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const faults: string[] = [];
  const fault = (what: string): void => {
    faults.push(`${((Date.now() - started) / 1000).toFixed(1)} s  ${what}`);
    log(`[chaos] ${what}`);
  };
  // A down master is declared after 3 s, so that a restart (well under that) is not a failover.
  const setup: SentinelSetup = await startSentinelSetup({ downAfterMs: 3000, args: REDIS_ARGS });
  // The serve backfills a gap in its events at most every 10 s, not 2 min: the run's faults
  // make several gaps within its minute, and its history is checked soon after.
  const env = { ...process.env, CELERIAC_BROKER_URL: setup.url, CELERIAC_HISTORY_GAP_BACKFILL_MS: '10000' };
  const app = createApp({ broker: setup.url });
  const workers: WorkerProc[] = [];
  let serve: Awaited<ReturnType<typeof startServe>> | null = null;
  // The serve's data folder on a disk of its own, to fill (root only; else the fault is skipped).
  const disk = mountSmallDisk(mkdtempSync(join(tmpdir(), 'celeriac-chaos-disk-')), SERVE_DISK_MB);
  const serveDataDir = disk ? join(disk.dir, 'data') : mkdtempSync(join(tmpdir(), 'celeriac-chaos-serve-'));
  /** Faults that end by themselves (a lock released, a disk freed), awaited before the verdict. */
  const ending: Array<Promise<unknown>> = [];
  const spawnWorker = (): WorkerProc => {
    const proc = spawn(process.execPath, [CLI, 'worker', '-A', TASKS, '-b', setup.url, '-c', '2', '--visibility-timeout', '5', '--connect-retries', '30', '-l', 'warning'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const w: WorkerProc = { proc, killedByUs: false, log: '' };
    proc.stdout!.on('data', (d: Buffer) => (w.log += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (w.log = (w.log + d.toString()).slice(-20_000)));
    workers.push(w);
    return w;
  };
  try {
    for (let i = 0; i < options.workers; i++) spawnWorker();
    serve = await startServe(['-b', setup.url, '--no-pool', '--data-dir', serveDataDir], env);

    const ids: string[] = [];
    let failedOver = false;
    const sending = sendAll(app, options.tasks, ids, options.seconds * 0.8, () => !failedOver, log);
    const poison = poisonMessages(`p${started}`);
    const timeline = runTimeline(options.seconds, {
      killWorker: () => {
        const alive = workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
        const victim = alive[Math.floor(Math.random() * alive.length)];
        if (!victim) return;
        victim.killedByUs = true;
        victim.proc.kill('SIGKILL');
        fault(`worker ${victim.proc.pid} killed with -9; a new one started`);
        spawnWorker();
      },
      stall: async () => {
        fault('Redis stalled for 1.5 s (CLIENT PAUSE)');
        await redisOf(setup).call('CLIENT', 'PAUSE', '1500');
      },
      restart: async () => {
        fault('Redis master restarted (SIGTERM, same port and files)');
        await restartMaster(setup);
      },
      failover: async () => {
        fault('Redis master killed with -9: Sentinel promotes the replica');
        failedOver = true;
        setup.master.process.kill('SIGKILL');
      },
      poison: async () => {
        fault(`${poison.raws.length} poison messages pushed`);
        await redisOf(setup).lpush('celery', ...poison.raws);
      },
      badInput: async () => {
        fault('serve fed bad %-escapes, deep JSON, an oversize frame');
        if (serve) await feedBadInput(serve.url);
      },
      dropSubscriber: async () => {
        const n = await dropEventSubscribers(redisOf(setup));
        fault(`Redis dropped the serve's event subscriber (CLIENT KILL of ${n} pattern subscriber(s), as its output buffer limit does)`);
      },
      lockHistory: async () => {
        const file = historyFileOf(serveDataDir);
        if (!file) return fault('history file locked: skipped, the serve has no history file yet');
        fault(`the serve's history file locked by another program for ${HISTORY_FAULT_MS / 1000} s (BEGIN EXCLUSIVE)`);
        ending.push(lockHistory(file, HISTORY_FAULT_MS).catch((err: Error) => log(`[chaos] the lock could not be taken: ${err.message}`)));
      },
      diskFull: async () => {
        if (!disk) return fault('history disk full: skipped (a tmpfs cannot be mounted here: not root)');
        const free = disk.fill();
        fault(`the serve's disk full for ${HISTORY_FAULT_MS / 1000} s (its tmpfs filled to the last block)`);
        ending.push(new Promise((r) => setTimeout(r, HISTORY_FAULT_MS)).then(free));
      },
    });
    await Promise.all([sending, timeline]);
    await Promise.all(ending);
    log(`[chaos] faults over; waiting for the last of ${ids.length} results`);

    // Every task sent must end; wait for the last results (bounded).
    const deadline = Date.now() + options.drainSeconds * 1000;
    let states = await statesOf(app.broker, ids);
    while ((states.get('SUCCESS') ?? 0) < ids.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      states = await statesOf(app.broker, ids);
    }
    log(`[chaos] ${states.get('SUCCESS') ?? 0} of ${ids.length} succeeded: ${JSON.stringify(Object.fromEntries(states))}`);
    if ((states.get('SUCCESS') ?? 0) < ids.length) {
      // Where the missing ones are: on a queue, claimed, or nowhere (lost).
      log(`[chaos] queue celery holds ${await app.broker.llen('celery')}, unacked ${await app.broker.hlen('unacked')}`);
      for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) log(`[chaos] worker ${w.proc.pid}:\n${w.log.slice(-3000)}`);
    }
    // The serve's history: every task there, in its final state (events written late after the
    // faults, gaps backfilled), within a bounded wait.
    const historyFile = historyFileOf(serveDataDir);
    let history: Record<string, number> = { MISSING: ids.length };
    const historyDeadline = Date.now() + 30_000;
    while (historyFile) {
      history = historyStates(historyFile, ids);
      if ((history.SUCCESS ?? 0) === ids.length || Date.now() > historyDeadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    log(`[chaos] in the serve's history: ${JSON.stringify(history)}`);
    const runs = await app.broker.hgetall('chaos:runs');
    const workerCrashes = workers.filter((w) => !w.killedByUs && (w.proc.exitCode !== null || w.proc.signalCode !== null)).length;
    const stateCounts = Object.fromEntries(states);
    const report: ChaosReport = {
      sent: ids.length,
      states: stateCounts,
      lost: ids.length - (states.get('SUCCESS') ?? 0) - (states.get('FAILURE') ?? 0) - (states.get('REVOKED') ?? 0),
      ranMoreThanOnce: Object.values(runs).filter((n) => Number(n) > 1).length,
      deadLettered: await app.broker.llen('celeriac:dead'),
      deadLettersExpected: poison.deadLetters,
      workersKilled: workers.filter((w) => w.killedByUs).length,
      workerCrashes,
      workersAlive: workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null).length,
      serveAlive: serve !== null && serve.process.exitCode === null && (await serveAnswers(serve.url)),
      history,
      faults,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    for (const w of workers) if (!w.killedByUs && w.proc.exitCode !== null) log(`[chaos] worker ${w.proc.pid} exited on its own:\n${w.log.slice(-2000)}`);
    return report;
  } finally {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await stopServe(serve?.process);
    await app.close();
    await setup.stop();
    disk?.unmount();
  }
}

/**
 * Sends `total` tasks in chunks over `seconds`. Redis replicates asynchronously: a chunk the
 * master acknowledged but had not passed on when it died is gone with it (and a replica takes
 * seconds to resync after its master restarts). So while a replica is meant to exist, a chunk
 * counts as sent once WAIT says a replica has it; if the master changed meanwhile (a failover)
 * the chunk is sent again under the same ids to the new one: a task may then run twice, never
 * zero times. This is what a producer that must not lose tasks across a failover does (docs/control-room.md, Redis Sentinel).
 */
async function sendAll(app: App, total: number, ids: string[], seconds: number, replicated: () => boolean, log: (l: string) => void): Promise<void> {
  const chunk = 100;
  const pause = Math.max(5, (seconds * 1000) / Math.ceil(total / chunk));
  for (let start = 0; start < total; start += chunk) {
    const calls = Array.from({ length: Math.min(chunk, total - start) }, (_, i) => ({ name: 'chaos.work', args: [start + i, (start + i) % 10 === 0 ? 20 : 0] }));
    const before = await runIdOf(app.broker);
    const chunkIds = (await app.sendMany(calls)).map((r) => r.id);
    ids.push(...chunkIds);
    const giveUp = Date.now() + 30_000;
    while (replicated() && Date.now() < giveUp) {
      if (((await app.broker.wait(1, 500).catch(() => 0)) as number) >= 1) break;
      if ((await runIdOf(app.broker)) !== before) {
        log(`[chaos] chunk at ${start}: the master changed before a replica had it; sent again under the same ids`);
        await app.sendMany(calls.map((c, i) => ({ ...c, options: { taskId: chunkIds[i]! } })));
        break;
      }
    }
    await new Promise((r) => setTimeout(r, pause));
  }
}

async function runIdOf(redis: Redis): Promise<string> {
  return /run_id:(\w+)/.exec(await redis.info('server'))?.[1] ?? '';
}

interface Faults {
  killWorker(): void;
  stall(): Promise<void>;
  restart(): Promise<void>;
  failover(): Promise<void>;
  poison(): Promise<void>;
  badInput(): Promise<void>;
  dropSubscriber(): Promise<void>;
  lockHistory(): Promise<void>;
  diskFull(): Promise<void>;
}

/** The faults over `seconds`: kills all along, the Redis faults one after another. */
async function runTimeline(seconds: number, f: Faults): Promise<void> {
  const at = (fraction: number): number => Date.now() + seconds * 1000 * fraction;
  const plan: Array<[number, () => Promise<void> | void]> = [
    [at(0.1), f.poison],
    [at(0.15), f.badInput],
    [at(0.2), f.dropSubscriber],
    [at(0.25), f.stall],
    [at(0.35), f.lockHistory],
    [at(0.45), f.restart],
    [at(0.55), f.diskFull],
    [at(0.7), f.failover],
  ];
  const end = at(1);
  let nextKill = Date.now() + 1500 + Math.random() * 2000;
  while (Date.now() < end) {
    const due = plan.filter(([t]) => t <= Date.now());
    for (const step of due) {
      plan.splice(plan.indexOf(step), 1);
      await step[1]();
    }
    if (Date.now() >= nextKill) {
      f.killWorker();
      nextKill = Date.now() + 2000 + Math.random() * 3000;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const [, step] of plan) await step();
}

const conns = new WeakMap<SentinelSetup, Redis>();
/** A plain connection to the master (before the failover). */
function redisOf(setup: SentinelSetup): Redis {
  let c = conns.get(setup);
  if (!c) conns.set(setup, (c = setup.master.client()));
  return c;
}

async function restartMaster(setup: SentinelSetup): Promise<void> {
  const { port, dir } = setup.master;
  const old = setup.master.process;
  const exited = new Promise((r) => old.once('exit', r));
  old.kill('SIGTERM');
  await exited;
  conns.delete(setup);
  setup.master = await startRedisServer({ port, dir, args: REDIS_ARGS });
}

async function statesOf(redis: Redis, ids: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 1000) {
    const values = await redis.mget(...ids.slice(i, i + 1000).map((id) => `celery-task-meta-${id}`));
    for (const v of values) {
      const state = v === null ? 'PENDING' : ((JSON.parse(v) as { status?: string }).status ?? '?');
      counts.set(state, (counts.get(state) ?? 0) + 1);
    }
  }
  return counts;
}

function get(url: string, path: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve) => {
    request({ host: u.hostname, port: u.port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0)).end();
  });
}

async function feedBadInput(url: string): Promise<void> {
  for (const path of ['/%zz', '/%', '/%E0%A4%A', '/assets/%C0']) await get(url, path);
  const u = new URL(url);
  const ws = new WebSocket(`ws://${u.host}/ws?token=${u.searchParams.get('token')}`);
  await new Promise((resolve) => ws.once('open', resolve).once('error', resolve));
  if (ws.readyState !== ws.OPEN) return;
  const deep = `${'['.repeat(1500)}1${']'.repeat(1500)}`;
  ws.send(`{"id":1,"method":"tasks:submit","input":{"name":"x","args":[${deep}]}}`);
  ws.send(`{"id":2,"method":"batches:preview","input":{"task":"x","rows":[{"a":${deep}}]}}`);
  ws.send(Buffer.alloc(33 * 1024 * 1024, 0x20).toString());
  await new Promise((r) => setTimeout(r, 500));
  ws.terminate();
}

async function serveAnswers(url: string): Promise<boolean> {
  return (await get(url, '/')) === 200;
}
