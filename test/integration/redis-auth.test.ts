import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { runCli } from '../helpers/cli.js';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';

const PASSWORD = 's3cret/with:odd@chars';
let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer({ password: PASSWORD });
});
afterAll(async () => {
  await server.stop();
});

describe('a Redis with a password', () => {
  it('works with the password in the URL, for sending and results', async () => {
    const app = createApp({ broker: server.url });
    const queue = uniqueName();
    const r = await app.sendTask('t', [1], {}, { queue });
    expect(await app.queueLength(queue)).toBe(1);
    expect(await r.state()).toBe('PENDING');
    await app.close();
  });

  it('says authentication failed, without printing the password', async () => {
    const url = `redis://:wrong-password@127.0.0.1:${server.port}/0`;
    const run = await runCli(['call', 't', '-b', url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/authentication failed/);
    expect(run.stderr).not.toContain('wrong-password');
    expect(run.stderr).toContain('redis://:***@127.0.0.1');
  });
});
