import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { findRedisServer, installHint, LocalRedis, RedisNotFoundError } from '../../src-main/service/connections/local-redis.js';

const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-local-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the local Redis', () => {
  it('starts privately (loopback, password), keeps queued tasks and results across a restart, stops cleanly', async () => {
    const local = new LocalRedis({ dataDir });
    const url = await local.start();
    expect(url).toMatch(/^redis:\/\/:[0-9a-f]{48}@127\.0\.0\.1:\d+\/0$/);
    const app = createApp({ broker: url });
    const r = await app.sendTask('tasks.later', [1], {}, { queue: 'kept' });
    await app.backend.store({ status: 'SUCCESS', result: 42, traceback: null, children: [], date_done: null, task_id: 'done-before' });
    await app.close();
    await local.stop();

    const again = await local.start();
    expect(again).toBe(url); // the port and password are kept: workers' URLs stay good
    const app2 = createApp({ broker: again });
    expect(await app2.queueLength('kept')).toBe(1);
    expect(await app2.asyncResult('done-before').get({ timeout: 1000 })).toBe(42);
    expect(JSON.parse((await app2.broker.rpop('kept'))!).headers.id).toBe(r.id);
    // Nobody gets in without the password.
    const open = createApp({ broker: again.replace(/:[0-9a-f]{48}@/, '@'), redisOptions: { retryStrategy: () => null, maxRetriesPerRequest: 0 } });
    await expect(open.broker.ping()).rejects.toThrow(/NOAUTH|Authentication/);
    await open.close();
    await app2.close();
    await local.stop();
  });

  it('says clearly, with the install command, when no redis-server exists', async () => {
    const nowhere = new LocalRedis({ dataDir, bundled: '/no/bundled/redis-server', searchDirs: ['/nonexistent'] });
    const err = await nowhere.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisNotFoundError);
    expect((err as Error).message).toContain(installHint());
    expect((err as Error).message).toMatch(/or connect to a remote Redis instead/);
    expect(installHint('darwin')).toBe('brew install redis');
    expect(findRedisServer('/no/bundled/redis-server')).toMatch(/redis-server$/); // this machine has one
  });

  it('keeps its port and password in the data folder across restarts; a kept port taken meanwhile is replaced, and the log says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-local-kept-'));
    const log: string[] = [];
    // A new LocalRedis each time: what a restarted control room makes.
    const first = new LocalRedis({ dataDir: dir, log: (line) => log.push(line) });
    const url = await first.start();
    await first.stop();
    expect(statSync(join(dir, 'kept.json')).mode & 0o777).toBe(0o600);
    const second = new LocalRedis({ dataDir: dir, log: (line) => log.push(line) });
    expect(await second.start()).toBe(url);
    await second.stop();
    expect(log).toEqual([]);

    // Another program takes the port while the control room is stopped.
    const port = Number(new URL(url).port);
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const third = new LocalRedis({ dataDir: dir, log: (line) => log.push(line) });
      const moved = await third.start();
      const { port: newPort, password } = new URL(moved);
      expect(newPort).not.toBe(String(port));
      expect(password).toBe(new URL(url).password); // the password stays
      expect(log).toEqual([expect.stringContaining(`port ${port}, kept from the last start, is taken`)]);
      expect(log[0]).toContain(`listens on ${newPort} now`);
      const app = createApp({ broker: moved });
      expect(await app.broker.ping()).toBe('PONG');
      await app.close();
      await third.stop();
      // The new port is the one kept now.
      expect(JSON.parse(readFileSync(join(dir, 'kept.json'), 'utf8'))).toEqual({ port: Number(newPort), password });
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
