/**
 * A beat whose Redis comes back empty (restarted without its data, or flushed) declares the
 * entries its app declares again when it leads, says so, and sends them again.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import { Beat } from '../../src-main/core/beat/beat.js';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

let server: RedisServer | null = null;
let app: App | null = null;
let beat: Beat | null = null;

afterEach(async () => {
  await beat?.stop();
  await app?.close();
  await server?.stop();
  server = app = beat = null;
});

/** A logger whose lines the test reads. */
function capture(): { log: pino.Logger; text: () => string } {
  let out = '';
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { out += chunk.toString(); done(); } });
  return { log: pino({ level: 'info' }, stream), text: () => out };
}

async function startBeat(queue: string, lines: ReturnType<typeof capture>): Promise<void> {
  app = createApp({ broker: server!.url });
  app.periodic('every-1s', { task: 'tasks.add', every: 1, args: [1, 2], options: { queue } });
  app.periodic('every-2s', { task: 'tasks.add', every: 2, args: [3, 4], options: { queue } });
  beat = new Beat(app, { maxInterval: 0.2, standbyRetry: 0.2, log: lines.log });
  await beat.start();
}

describe('beat after Redis comes back empty', () => {
  it('a real redis-server restart without data: the leader declares its entries again, logs it, and sends them', async () => {
    server = await startRedisServer();
    const queue = uniqueName('beat');
    const lines = capture();
    await startBeat(queue, lines);
    const redis = server.client();
    await until(async () => (await redis.llen(queue)) >= 1, 5000);
    const { port } = server;
    const exited = new Promise((r) => server!.process.once('exit', r));
    server.process.kill('SIGKILL');
    await exited;
    // The same port, a new empty data folder: nothing of before is there.
    await server.stop().catch(() => undefined);
    server = await startRedisServer({ port });
    const fresh = server.client();
    await until(async () => (await fresh.zcard('redbeat::schedule')) === 2, 15_000);
    expect(await fresh.hexists('redbeat:every-1s', 'definition')).toBe(1);
    await until(async () => (await fresh.llen(queue)) >= 1, 5000);
    expect(lines.text()).toContain('2 periodic entries declared in code were missing from Redis (every-1s, every-2s: was it restarted empty, or flushed?); declared again');
    expect(lines.text()).toContain('the lock is gone');
  }, 40_000);

  it('FLUSHALL: the same, and a leader that finds every entry in place logs nothing of it', async () => {
    server = await startRedisServer();
    const queue = uniqueName('beat');
    const lines = capture();
    await startBeat(queue, lines);
    const redis = server.client();
    await until(async () => (await redis.llen(queue)) >= 1, 5000);
    expect(lines.text()).not.toContain('missing from Redis');
    await redis.flushall();
    await until(async () => (await redis.zcard('redbeat::schedule')) === 2, 10_000);
    await until(async () => (await redis.llen(queue)) >= 1, 5000);
    expect(lines.text().match(/missing from Redis/g)).toHaveLength(1);
  }, 30_000);
});
