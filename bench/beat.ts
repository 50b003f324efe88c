/**
 * Beat: one beat holding 100,000 periodic entries (celery-redbeat's layout). What a tick costs
 * when nothing is due (the common case: CPU per tick, this process's), and how fast it sends
 * when all of them are due at once (sends/s; each is one sendDue script: move + meta + LPUSH).
 */
import type { Redis } from 'ioredis';
import { createApp } from '../dist/src-main/core/index.js';
import { Beat } from '../dist/src-main/core/beat/beat.js';
import { typedDatetime } from '../dist/src-main/core/beat/schedule.js';
import { selfCpuSeconds } from './lib/cpu.js';
import type { Row } from './lib/report.js';

const ENTRIES = 100_000;

/** Writes n entries as redbeat lays them out, due at `dueS` (UTC seconds). */
async function fill(redis: Redis, n: number, dueS: number): Promise<void> {
  const meta = JSON.stringify({ last_run_at: typedDatetime(Date.now() - 3_600_000), total_run_count: 0 });
  for (let i = 0; i < n; i += 5000) {
    const p = redis.pipeline();
    for (let j = i; j < Math.min(n, i + 5000); j++) {
      const definition = JSON.stringify({ name: `e${j}`, task: 'bench.add', args: [j, 1], kwargs: {}, options: { queue: 'bench-beat' }, schedule: { __type__: 'interval', every: 3600, relative: false }, enabled: true });
      p.hset(`redbeat:e${j}`, 'definition', definition, 'meta', meta).zadd('redbeat::schedule', dueS, `redbeat:e${j}`);
    }
    await p.exec();
  }
}

export async function benchBeat(url: string, redis: Redis): Promise<Row[]> {
  const app = createApp({ broker: url });
  const beat = new Beat(app, { declare: false });
  // Nothing due: an hour from now.
  await fill(redis, ENTRIES, Math.floor(Date.now() / 1000) + 3600);
  await beat.tick();
  const rounds = 2000;
  const cpu0 = selfCpuSeconds();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await beat.tick();
  const idleCpuUs = ((selfCpuSeconds() - cpu0) / rounds) * 1e6;
  const idleMs = (performance.now() - t0) / rounds;
  // All due now: the leader sends them (it must hold the lock, as in a real tick).
  await redis.flushall();
  await fill(redis, ENTRIES, Math.floor(Date.now() / 1000) - 1);
  await redis.set('redbeat::lock', beat.token, 'PX', 600_000);
  const t1 = performance.now();
  const c1 = selfCpuSeconds();
  while (beat.stats.sent < ENTRIES) await beat.tick();
  const seconds = (performance.now() - t1) / 1000;
  const sendCpuUs = ((selfCpuSeconds() - c1) / ENTRIES) * 1e6;
  const queued = await redis.llen('bench-beat');
  if (queued !== ENTRIES) console.warn(`[bench] beat: ${queued} messages queued, not ${ENTRIES}`);
  await app.close();
  await redis.flushall();
  return [
    { metric: `a tick with ${ENTRIES.toLocaleString('en-US')} entries, none due: CPU of the beat (wall ${idleMs.toFixed(2)} ms)`, celeriac: idleCpuUs, unit: 'µs' },
    { metric: `all ${ENTRIES.toLocaleString('en-US')} entries due at once: sent per second (CPU ${sendCpuUs.toFixed(1)} µs each)`, celeriac: ENTRIES / seconds, unit: 'sends/s' },
  ];
}
