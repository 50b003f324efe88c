import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { findRedisServer, installHint, LocalRedis, RedisNotFoundError } from '../../src-main/service/local-redis.js';

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
    expect(again).not.toBe(url); // a new password and port each start
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
});
