/**
 * A `celeriac worker` whose Redis goes away: it says so, says when it has Redis back after
 * longer than the visibility timeout (its claims may have run elsewhere meanwhile), and a
 * second signal stops it even with Redis gone, leaving its claims to the visibility timeout.
 * Spawns the built CLI (bin/celeriac.js runs dist).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker.js';

let server: RedisServer | null = null;
let worker: WorkerProcess | null = null;

afterEach(async () => {
  if (worker && worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill('SIGKILL');
  await server?.stop();
  server = worker = null;
});

/** Stops redis-server and waits until it is gone (its port closed). */
async function stopRedis(s: RedisServer): Promise<void> {
  const exited = new Promise((r) => s.process.once('exit', r));
  s.process.kill('SIGTERM');
  await exited;
}

describe('a worker that loses Redis', () => {
  it('logs the loss, and on its return after the visibility timeout that claims may have been restored to others', async () => {
    server = await startRedisServer();
    worker = await startWorkerProcess(server.url, ['-c', '1', '--visibility-timeout', '2']);
    const { port, dir } = server;
    await stopRedis(server);
    await until(() => worker!.log().includes('lost its connection to Redis'), 10_000);
    expect(worker.log()).toContain('Claims older than the visibility timeout (2s) are restored to other workers meanwhile');
    await new Promise((r) => setTimeout(r, 2500));
    server = await startRedisServer({ port, dir });
    await until(() => worker!.log().includes('claims may have been restored to other workers'), 15_000);
    expect(worker.log()).toMatch(/reconnected to Redis after \d+\.\ds, longer than the visibility timeout \(2s\)/);
    // One outage, one line each way (every failed reconnect does not log again).
    expect(worker.log().match(/lost its connection to Redis/g)).toHaveLength(1);
  }, 60_000);

  it('stops on a second SIGTERM while Redis is gone, leaving its claims to the visibility timeout', async () => {
    server = await startRedisServer();
    worker = await startWorkerProcess(server.url, ['-c', '1', '--visibility-timeout', '60']);
    const app = createApp({ broker: server.url });
    try {
      await app.sendTask('tasks.sleep', [60_000]);
      await until(async () => (await app.broker.hlen('unacked')) === 1, 10_000);
    } finally {
      await app.close();
    }
    await until(() => worker!.log().includes('tasks.sleep'), 10_000);
    await stopRedis(server);
    await until(() => worker!.log().includes('lost its connection to Redis'), 10_000);
    worker.process.kill('SIGTERM');
    await until(() => worker!.log().includes('warm shutdown'), 5_000);
    await new Promise((r) => setTimeout(r, 500));
    const second = Date.now();
    worker.process.kill('SIGTERM');
    const code = await Promise.race([worker.exited, new Promise((r) => setTimeout(() => r('still running'), 8_000))]);
    expect(code, worker.log()).toBe(0);
    expect(Date.now() - second).toBeLessThan(5_000);
    expect(worker.log()).toContain('Redis is unreachable: stopping now without handing back 1 claim(s); the visibility timeout (60s) restores them to their queues');
  }, 60_000);
});
