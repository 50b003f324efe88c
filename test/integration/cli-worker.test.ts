import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import type { RedisServer } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';

let server: RedisServer;
useRedisSuite((s) => ({ server } = s));

const BROKEN = fileURLToPath(new URL('../fixtures/tasks/broken.ts', import.meta.url));
const BASIC = fileURLToPath(new URL('../fixtures/tasks/basic.ts', import.meta.url));

describe('celeriac worker start-up failures', () => {
  it('says in one line why the task module did not load, and exits 1', async () => {
    const run = await runCli(['worker', '-A', BROKEN, '-c', '1', '-b', server.url]);
    expect(run.code).toBe(1);
    // Read first in the worker's own process (its app's routes and serializers), before any pool child starts.
    expect(run.stderr.trim()).toMatch(/^celeriac: ConfigurationError: cannot load the task module .*broken\.ts: cannot load: missing configuration FOO$/);
  });

  it('names a task module that does not exist', async () => {
    const run = await runCli(['worker', '-A', 'no/such/module.ts', '-b', server.url]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^celeriac: ConfigurationError: cannot find the task module "no\/such\/module.ts"/);
  });

  it('says Redis is unreachable in one line', async () => {
    const run = await runCli(['worker', '-A', BASIC, '-b', 'redis://127.0.0.1:1/0']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/cannot connect to Redis/);
  });
});
