/**
 * The reconnecting status says why Redis cannot be reached in a user's words: not the client's
 * raw error (`connect ECONNREFUSED …`, its offline-queue option), and not "Redis is unreachable"
 * a second time where the banner and a refused call already say it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

describe('the reconnecting status', () => {
  it('says the cause without internals, and a refused call says "unreachable" once', async () => {
    let redis = await startRedisServer();
    const port = redis.port;
    const room = new ControlRoom({ dataDir: mkdtempSync(join(tmpdir(), 'celeriac-outage-cause-')), local: false, initial: { url: redis.url, hostPool: false } });
    try {
      expect((await room.start()).state).toBe('connected');
      await redis.stop();
      let status: { state: string; message?: string } = { state: '' };
      await until(async () => {
        const r = await room.call('connection:status', {});
        status = r.ok ? (r.value as typeof status) : status;
        return status.state === 'reconnecting' && /nothing accepts connections/.test(status.message ?? '');
      }, 15_000);
      expect(status.message).toBe(`nothing accepts connections at 127.0.0.1:${port} (is redis-server running, and is the port right?)`);
      const refused = await room.call('queues:list', {});
      expect(refused.ok).toBe(false);
      const said = refused.ok ? '' : refused.error.message;
      expect(said).toMatch(/^Redis is unreachable: nothing accepts connections at 127\.0\.0\.1:\d+/);
      expect(said.match(/unreachable/g)).toHaveLength(1);
      expect(said).not.toMatch(/ECONNREFUSED|enableOfflineQueue/);
      // Back on its port: connected again by itself, the cause gone.
      redis = await startRedisServer({ port });
      await until(async () => {
        const r = await room.call('connection:status', {});
        return r.ok && (r.value as { state: string }).state === 'connected';
      }, 20_000);
    } finally {
      await room.stop();
      await redis.stop();
    }
  }, 60_000);
});
