/**
 * Canvas: a chord of 10,000 header tasks and its body, queued first, then run to the body's
 * result by a Celeriac `-P process -c 2` worker process and by Python Celery `-c 2` prefork, in
 * the same run on the same machine (the chord sent by Celeriac in both arms).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { createApp, chord } from '../dist/src-main/core/index.js';
import { HostedWorker } from '../dist/src-main/service/hosted-worker/hosted-worker.js';
import type { Row } from './lib/report.js';

const TASKS = fileURLToPath(new URL('./tasks/noop.ts', import.meta.url));
const PYTHON = '/usr/bin/python3';
const HEADER = 10_000;

/** Sends the chord; @returns the body's result, to wait on */
async function sendChord(url: string) {
  const app = createApp({ broker: url });
  const header = Array.from({ length: HEADER }, (_, i) => app.signature('bench.add', [i, 1]));
  const result = await chord(header, app.signature('bench.tsum')).applyAsync();
  return { app, result, expected: (HEADER * (HEADER - 1)) / 2 + HEADER };
}

/** Runs one arm: start the workers, wait for the body. @returns seconds from start to the body's result */
async function runArm(url: string, redis: Redis, start: () => Promise<() => Promise<void>>): Promise<number | null> {
  const { app, result, expected } = await sendChord(url);
  const stop = await start();
  const t0 = performance.now();
  try {
    const value = await result.get({ timeout: 300_000 });
    if (value !== expected) throw new Error(`the chord's body returned ${String(value)}, not ${expected}`);
    return (performance.now() - t0) / 1000;
  } finally {
    await stop();
    await app.close();
    await redis.flushall();
  }
}

export async function benchCanvas(url: string, redis: Redis, hasPython: boolean): Promise<Row[]> {
  const celeriac: number[] = [];
  const python: number[] = [];
  for (let round = 0; round < 2; round++) {
    celeriac.push((await runArm(url, redis, async () => {
      const poolApp = createApp({ broker: url });
      const pool = new HostedWorker(poolApp);
      await pool.start([TASKS], 2, ['celery']);
      return async () => {
        await pool.stop();
        await poolApp.close();
      };
    }))!);
  }
  if (hasPython) {
    python.push((await runArm(url, redis, async () => {
      const proc = spawn(PYTHON, ['-m', 'celery', '-A', 'benchapp', 'worker', '-c', '2', '-P', 'prefork', '-l', 'warning', '--without-gossip', '--without-mingle', '--without-heartbeat'], {
        cwd: fileURLToPath(new URL('./python/', import.meta.url)), env: { ...process.env, BENCH_BROKER: url }, stdio: 'ignore',
      });
      return async () => {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      };
    }))!);
  }
  const best = (xs: number[]): number | null => (xs.length ? Math.min(...xs) : null);
  const rate = (s: number | null): number | null => (s === null ? null : (HEADER + 1) / s);
  const seconds = (s: number | null): string => (s === null ? '—' : `${s.toFixed(2)} s`);
  return [
    {
      metric: `chord of ${HEADER.toLocaleString('en-US')} header tasks + body, -c 2, worker start → body result (${seconds(best(celeriac))} / ${seconds(best(python))})`,
      celeriac: rate(best(celeriac)), celery: rate(best(python)), unit: 'tasks/s', goal: '>= 5× Celery',
    },
  ];
}
