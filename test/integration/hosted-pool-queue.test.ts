/**
 * A pool the control room hosts on someone else's Redis (asked for: `serve -b URL --pool`, a
 * profile's "run the pool here") consumes a queue of its own, so the shop's workers and this
 * pool never take each other's tasks; what the Send form and batches send for the pool's tasks
 * goes there. The shop's `celery` queue is left alone.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { roomQueueName } from '../../src-main/service/hosted-worker/hosted-worker.js';
import { ok } from '../helpers/contract.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

describe('a pool hosted on another Redis', () => {
  let server: RedisServer;
  let room: ControlRoom;
  let shop: App;
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-room-queue-'));
  beforeAll(async () => {
    server = await startRedisServer();
    shop = createApp({ broker: server.url });
    room = new ControlRoom({ dataDir: join(dir, 'data'), local: false, initial: { url: server.url, hostPool: true }, pool: { modules: [], concurrency: 1 } });
    expect((await room.start()).state).toBe('connected');
  });
  afterAll(async () => {
    await room?.stop();
    await shop?.close();
    await server?.stop();
  });

  it('consumes its own queue only, and the Send form and batches route the pool\'s tasks there', async () => {
    expect(room.hosting().pool).toEqual({ queues: [roomQueueName()] });
    expect((await ok(room.call('pool:status', {}))).queues).toEqual([roomQueueName()]);

    // The shop's own task in `celery` stays for the shop's workers.
    await shop.sendTask('tasks.shop_only', [1]);
    const file = join(dir, 'a.txt');
    writeFileSync(file, 'hello');
    const sent = await ok(room.call('tasks:submit', { name: 'checksum', args: [file, 'md5'] }));
    expect(await shop.asyncResult(sent.id).get({ timeout: 20_000 })).toBeTruthy();
    const batch = await ok(room.call('batches:create', { task: 'checksum', files: [file], values: { algorithm: 'md5' } }));
    expect(batch.queue).toBe(roomQueueName());
    // The pool runs the batch's item from its own queue (claimed in `unacked` while it runs):
    // once it is done, nothing is held, and the shop's task is still in `celery`.
    await until(async () => (await ok(room.call('batches:get', { id: batch.id }))).batch.finished, 20_000);
    expect(await server.client().llen('celery')).toBe(1);
    expect(await server.client().hlen('unacked')).toBe(0);
  });

  it('started again over the contract with no queues named, it still consumes its own queue', async () => {
    expect((await ok(room.call('pool:stop', {}))).running).toBe(false);
    expect((await ok(room.call('pool:start', { modules: [], concurrency: 1 }))).queues).toEqual([roomQueueName()]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await server.client().llen('celery')).toBe(1);
  });
});
