/**
 * The control room with 200 workers (half Python-shaped, half Celeriac-shaped, simulated in a
 * process of their own: heartbeats every 2 s, inspect replies as Celery's): p50/p95 of
 * workers:list, overview:get and tasks:search through ControlRoom.call while they beat, the
 * room's RSS, and the inspect requests it sent (and the workers they addressed): while it
 * learns the crowd (the run's first half) and per minute once it knows them (the second half).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Redis } from 'ioredis';
import { ControlRoom } from '../dist/src-main/service/room/control-room.js';
import { encodeEvent } from '../dist/src-main/core/events/envelope.js';
import { eventChannel } from '../dist/src-main/core/keys.js';
import type { Row } from './lib/report.js';
import type { SeenRequest } from '../test/helpers/worker-sim.js';

const WORKERS = 200;
const RUN_MS = 30_000;
/** How often the three calls are made, one after the other (the Workers view polls every 2 s). */
const CALL_EVERY_MS = 100;
/** Tasks in the history for the search to find. */
const TASKS = 5000;
const SEARCHES = ['', 'state:FAILURE', 'KeyError', 'name:tasks.add'];

/** The simulated crowd, started; `stop` ends it and hands back the requests it read. */
async function startCrowd(url: string): Promise<{ stop: () => Promise<SeenRequest[]> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./lib/worker-sim-process.ts', import.meta.url)), url, String(WORKERS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const next = (): Promise<string> => new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the worker simulator exited (${code})`)));
  });
  if ((await next()) !== 'ready') throw new Error('the worker simulator did not start');
  return {
    stop: async () => {
      const last = next();
      child.stdin!.end();
      return JSON.parse(await last) as SeenRequest[];
    },
  };
}

/** Task events for TASKS tasks run by the crowd's workers, in task.multi lists, so a search has rows. */
async function seedTasks(redis: Redis): Promise<void> {
  const t0 = Date.now() / 1000 - 600;
  for (let i = 0; i < TASKS; i += 100) {
    const events = [];
    for (let j = i; j < i + 100; j++) {
      const uuid = `${String(j).padStart(8, '0')}-aaaa-4bbb-8ccc-000000000000`;
      const base = { hostname: `sim-py-${(j % WORKERS) & ~1}@host0`, utcoffset: 0, pid: 1, clock: j };
      events.push({ ...base, type: 'task-received', uuid, timestamp: t0 + j / 10, name: j % 5 === 0 ? 'tasks.resize' : 'tasks.add', args: `(${j}, 2)`, kwargs: '{}', retries: 0 });
      events.push(j % 50 === 0
        ? { ...base, type: 'task-failed', uuid, timestamp: t0 + j / 10 + 0.1, exception: `KeyError('size-${j}')`, traceback: 'Traceback (most recent call last):\nKeyError' }
        : { ...base, type: 'task-succeeded', uuid, timestamp: t0 + j / 10 + 0.1, result: String(j + 2), runtime: 0.1 });
    }
    await redis.publish(eventChannel(0, 'task.multi'), encodeEvent(events, 'task.multi', 'bench'));
  }
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

export async function benchWorkers(url: string, redis: Redis): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-bench-workers-'));
  const room = new ControlRoom({ dataDir: join(dir, 'data'), local: false, initial: { url } });
  let crowd: Awaited<ReturnType<typeof startCrowd>> | null = null;
  try {
    await room.start();
    const rssStart = process.memoryUsage().rss;
    crowd = await startCrowd(url);
    await seedTasks(redis);
    const started = Date.now();
    const cpuStart = process.cpuUsage();
    const times: Record<string, number[]> = { 'workers:list': [], 'overview:get': [], 'tasks:search': [] };
    let i = 0;
    while (Date.now() - started < RUN_MS) {
      const calls: Array<[string, unknown]> = [['workers:list', {}], ['overview:get', { range: '1h' }], ['tasks:search', { query: SEARCHES[i++ % SEARCHES.length] }]];
      for (const [method, input] of calls) {
        const t = performance.now();
        const r = await room.call(method, input);
        times[method]!.push(performance.now() - t);
        if (!r.ok) throw new Error(`${method} failed: ${r.error.message}`);
      }
      await new Promise((r) => setTimeout(r, CALL_EVERY_MS));
    }
    const listed = await room.call('workers:list', {});
    const complete = listed.ok ? listed.value.filter((w) => w.pool !== null && w.concurrency !== null && w.queues.length > 0).length : 0;
    const rssEnd = process.memoryUsage().rss;
    const cpu = process.cpuUsage(cpuStart);
    const cpuShare = (cpu.user + cpu.system) / 1000 / (Date.now() - started);
    const half = started + RUN_MS / 2;
    const requests = (await crowd.stop()).filter((r) => r.method === 'stats' || r.method === 'active_queues');
    const learning = requests.filter((r) => r.at < half);
    const known = requests.filter((r) => r.at >= half);
    const addressed = (list: SeenRequest[]): number => list.reduce((n, r) => n + r.addressed, 0);
    const perMinute = 60_000 / (RUN_MS / 2);
    crowd = null;
    const rows: Row[] = [];
    for (const [method, list] of Object.entries(times)) {
      list.sort((a, b) => a - b);
      rows.push({ metric: `${method} with ${WORKERS} workers beating, p50 / p95`, celeriac: pct(list, 0.5), celery: pct(list, 0.95), unit: 'ms', goal: '<= 100 (2nd column: p95)' });
    }
    rows.push({ metric: `workers listed with pool, concurrency and queues after ${Math.round(RUN_MS / 1000)} s`, celeriac: complete, unit: `of ${WORKERS}` });
    rows.push({ metric: 'room RSS at start / at end', celeriac: rssStart / 2 ** 20, celery: rssEnd / 2 ** 20, unit: 'MB' });
    rows.push({ metric: 'room CPU over the run (the calls above included)', celeriac: cpuShare * 100, unit: '% of a core' });
    rows.push({ metric: `inspect requests sent / workers they addressed, first ${RUN_MS / 2000} s (learning the crowd)`, celeriac: learning.length, celery: addressed(learning), unit: '' });
    rows.push({ metric: 'inspect requests sent / workers they addressed, per minute once known', celeriac: known.length * perMinute, celery: addressed(known) * perMinute, unit: '/min' });
    return rows;
  } finally {
    await crowd?.stop().catch(() => undefined);
    await room.stop();
    rmSync(dir, { recursive: true, force: true });
    await redis.flushall();
  }
}
