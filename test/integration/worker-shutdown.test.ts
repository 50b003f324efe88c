/**
 * Warm shutdown when the signal reaches the whole process group (Ctrl-C in a terminal,
 * systemd's default KillMode): the pool children must not die under their tasks, and the
 * worker must exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { CLI } from '../helpers/cli.js';
import { TASKS } from '../helpers/worker.js';

let server: RedisServer;
let redis: Redis;
let app: App;
useRedisSuite((s) => ({ server, redis, app } = s));

/** `celeriac worker` as the leader of a process group of its own, as a shell starts it. */
async function groupWorker(queue: string): Promise<{ proc: ChildProcess; log: () => string; exited: Promise<number | null> }> {
  const proc = spawn(process.execPath, [CLI, 'worker', '-A', TASKS, '-b', server.url, '-Q', queue, '-c', '2', '-l', 'info'], {
    env: { ...process.env, CELERIAC_BROKER_URL: server.url },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  proc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  await until(() => log.includes(' ready.'), 30_000);
  return { proc, log: () => log, exited };
}

function exitsWithin(exited: Promise<number | null>, ms: number): Promise<number | null | 'still running'> {
  return Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms))]);
}

describe('a signal to the whole process group', () => {
  it('stops an idle worker: it exits, and starts no replacement children', async () => {
    const w = await groupWorker(uniqueName('idle'));
    try {
      process.kill(-w.proc.pid!, 'SIGINT');
      expect(await exitsWithin(w.exited, 15_000)).toBe(0);
      expect(w.log()).not.toMatch(/starting a new one/);
    } finally {
      if (w.proc.exitCode === null) process.kill(-w.proc.pid!, 'SIGKILL');
    }
  });

  it('lets a running task finish (SUCCESS, not WorkerLostError) before the worker exits', async () => {
    const queue = uniqueName('busy');
    const w = await groupWorker(queue);
    try {
      const list = uniqueName('ran');
      const r = await app.sendTask('tasks.record', [list, 'done', 2000], {}, { queue });
      await until(async () => (await redis.hlen('unacked')) > 0 && (await r.state()) !== 'SUCCESS' && w.log().includes('received'));
      process.kill(-w.proc.pid!, 'SIGTERM');
      expect(await exitsWithin(w.exited, 20_000)).toBe(0);
      expect(await r.get({ timeout: 1000 })).toBe('done');
      expect(await redis.lrange(list, 0, -1)).toEqual(['done']);
      expect(w.log()).not.toMatch(/WorkerLostError/);
    } finally {
      if (w.proc.exitCode === null) process.kill(-w.proc.pid!, 'SIGKILL');
    }
  });
});
