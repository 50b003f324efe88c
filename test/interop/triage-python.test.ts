/**
 * Failure triage on a Python Celery deployment: a group of a Python worker's failures marked
 * resolved shows as regressed when the Python worker fails again of the same cause (the
 * regression is read from the history, which hears the Python worker's events).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import type { FailureGroup } from '../../src-main/service/contract/index.js';
import { ok } from '../helpers/contract.js';
import { pythonCeleryAvailable, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

describe.runIf(pythonCeleryAvailable())('failure triage of a Python worker\'s failures', () => {
  let server: RedisServer;
  let py: PythonWorker;
  let room: ControlRoom;
  const env = () => ({ CELERIAC_TEST_BROKER: server.url });
  beforeAll(async () => {
    server = await startRedisServer();
    py = await startPythonWorker(server.url, ['celery'], 'pytriage', { heartbeat: true });
    room = new ControlRoom({ dataDir: mkdtempSync(join(tmpdir(), 'celeriac-triage-py-')), local: false, initial: { url: server.url, hostPool: false } });
    expect((await room.start()).state).toBe('connected');
  });
  afterAll(async () => {
    await room?.stop();
    await py?.stop();
    await server?.stop();
  });

  const groupOf = async (count: number): Promise<FailureGroup> => {
    let g: FailureGroup | undefined;
    await until(async () => (g = (await ok(room.call('failures:groups', {}))).groups.find((x) => x.name === 'tasks.fail'))?.count === count, 20_000);
    return g!;
  };

  it('a resolved group regresses when the Python worker fails again of the same cause', async () => {
    // The control room's enable_events casts turn the worker's task events on: send until one is heard.
    await until(async () => {
      await runPython('pyclient.py', ['send-add', '1', '1'], env());
      return (await ok(room.call('tasks:search', { query: 'state:SUCCESS name:tasks.add' }))).total > 0;
    }, 30_000);
    await runPython('pyclient.py', ['send-fail', 'no size 17'], env());
    const before = await groupOf(1);
    expect(before).toMatchObject({ exceptionType: 'ValueError', pattern: 'no size <n>' });
    const resolved = await ok(room.call('failures:triage', { key: before.key, state: 'resolved' }));
    expect(resolved).toMatchObject({ state: 'resolved', countSince: 0, regressed: false });

    await runPython('pyclient.py', ['send-fail', 'no size 4242'], env());
    const after = await groupOf(2);
    expect(after.key).toBe(before.key);
    expect(after.triage).toEqual({ state: 'resolved', at: resolved.at, countSince: 1, regressed: true });
  }, 90_000);
});
