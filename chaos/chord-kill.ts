/**
 * The chord kill scenario: chords of many members run by `celeriac worker -P process`
 * processes, one of which is killed with -9 again and again while the header runs (and a new
 * one started). A member killed between its ack and its count would leave the chord one short
 * for ever; one counted twice would push the count past the size. Either way the body never
 * runs. Each chord's body must run exactly once, with every member once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src-main/core/app.js';
import { chord } from '../src-main/core/canvas/signature.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { CLI } from '../test/helpers/cli.js';

const TASKS = fileURLToPath(new URL('./chord-tasks.ts', import.meta.url));
/** Claims of killed workers come back this soon (seconds): the reruns happen within the run. */
const VISIBILITY_TIMEOUT = 2;

export interface ChordKillOptions {
  /** Chords sent, one after another. */
  runs: number;
  members: number;
  /** Kills per chord at most, while its header runs. */
  kills: number;
  /** How long each member takes, so that the header lasts long enough to be killed in. */
  memberMs: number;
  /** Worker processes at once (one of them is killed each time). */
  workers: number;
  /** Give up on a body after this long, in seconds. */
  bodySeconds: number;
  log?: (line: string) => void;
}

export const CHORD_FULL: ChordKillOptions = { runs: 6, members: 2000, kills: 6, memberMs: 8, workers: 2, bodySeconds: 90 };
export const CHORD_SHORT: ChordKillOptions = { runs: 1, members: 200, kills: 3, memberMs: 40, workers: 2, bodySeconds: 60 };

export interface ChordRun {
  members: number;
  kills: number;
  /** How often the body ran (1 is right; 0: the chord never completed). */
  bodyRuns: number;
  /** The distinct members the body was given (null: it never ran). */
  bodyMembers: number | null;
  seconds: number;
}

interface WorkerProc {
  proc: ChildProcess;
  log: string;
}

export async function runChordKill(options: ChordKillOptions): Promise<ChordRun[]> {
  const log = options.log ?? (() => undefined);
  const server = await startRedisServer();
  const env = { ...process.env, CELERIAC_BROKER_URL: server.url };
  const app = createApp({ broker: server.url });
  const member = app.task('chaos.chord.member', (i: number, ms: number) => [i, ms]);
  const body = app.task('chaos.chord.body', (values: Array<[number, number]>) => values.length);
  const workers: WorkerProc[] = [];
  const alive = (): WorkerProc[] => workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
  const spawnWorker = (): void => {
    const args = [CLI, 'worker', '-A', TASKS, '-b', server.url, '-c', '2', '--visibility-timeout', String(VISIBILITY_TIMEOUT), '-l', 'warning'];
    const w: WorkerProc = { proc: spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }), log: '' };
    const keep = (d: Buffer): void => void (w.log = (w.log + d.toString()).slice(-10_000));
    w.proc.stdout!.on('data', keep);
    w.proc.stderr!.on('data', keep);
    workers.push(w);
  };
  const runs: ChordRun[] = [];
  try {
    for (let i = 0; i < options.workers; i++) spawnWorker();
    for (let run = 1; run <= options.runs; run++) {
      const started = Date.now();
      const header = Array.from({ length: options.members }, (_, i) => member.s(i, options.memberMs));
      const result = await chord(header, body.s()).applyAsync();
      const done = (): Promise<boolean> => app.broker.hexists('chaos:chord:body-runs', result.id).then((n) => n === 1);
      let kills = 0;
      // Kills while the header runs, at random moments.
      while (kills < options.kills && !(await done())) {
        await new Promise((r) => setTimeout(r, 400 + Math.random() * 800));
        if (await done()) break;
        const victims = alive();
        const victim = victims[Math.floor(Math.random() * victims.length)];
        if (!victim) continue;
        victim.proc.kill('SIGKILL');
        kills++;
        spawnWorker();
      }
      let bodyMembers: number | null = null;
      try {
        bodyMembers = (await result.get({ timeout: options.bodySeconds * 1000 })) as number;
      } catch (err) {
        // Claims still out (a visibility sweep held back) are not a lost count: say which it is.
        log(`[chord] run ${run}: no body after ${options.bodySeconds} s (${(err as Error).message}); members counted: ${await countedOf(app.broker)}; claims in unacked: ${await app.broker.hlen('unacked')}`);
        for (const w of alive()) log(`[chord] worker ${w.proc.pid}:\n${w.log.slice(-2000)}`);
      }
      // Reruns of killed members come back within the visibility timeout: none may send it again.
      await new Promise((r) => setTimeout(r, (VISIBILITY_TIMEOUT * 2 + 1) * 1000));
      const bodyRuns = Number((await app.broker.hget('chaos:chord:body-runs', result.id)) ?? 0);
      const r: ChordRun = { members: options.members, kills, bodyRuns, bodyMembers, seconds: Math.round((Date.now() - started) / 1000) };
      log(`[chord] run ${run}: ${r.members} members, ${r.kills} kill(s) -9, body ran ${r.bodyRuns} time(s) with ${r.bodyMembers ?? 'no'} members, ${r.seconds} s`);
      runs.push(r);
    }
    return runs;
  } finally {
    for (const w of alive()) w.proc.kill('SIGKILL');
    await app.close();
    await server.stop();
  }
}

/** The members counted in chords still open (what a stuck chord is short of). */
async function countedOf(redis: ReturnType<typeof createApp>['broker']): Promise<string> {
  const keys = await redis.keys('celery-taskset-meta-*.j');
  const counts = await Promise.all(keys.map(async (k) => `${await redis.zcard(k)} of ${(await redis.get(k.replace(/\.j$/, '.s'))) ?? '?'}`));
  return counts.join(', ') || 'none open';
}

/** What makes the run fail: a body that did not run exactly once with every member. */
export function chordVerdict(runs: ChordRun[]): string[] {
  return runs.flatMap((r, i) => {
    if (r.bodyRuns !== 1) return [`chord ${i + 1}: the body ran ${r.bodyRuns} times (${r.kills} kills)`];
    if (r.bodyMembers !== r.members) return [`chord ${i + 1}: the body got ${r.bodyMembers} of ${r.members} members`];
    return [];
  });
}
