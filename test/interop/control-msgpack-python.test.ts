/**
 * A Celery shop whose app sets `task_serializer = 'msgpack'`: Python's mailbox then sends and
 * answers remote control in msgpack too. The room's control client reads the Python worker's
 * msgpack replies (inspect is how the Workers view learns its queues), and a Celeriac worker
 * answers `celery inspect` sent in msgpack, in msgpack.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import type { Worker } from '../../src-main/core/worker/worker.js';
import { PY_DIR, PYTHON, pythonCeleryAvailable, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import type { RedisServer } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { startWorker } from '../helpers/worker.js';

const available = pythonCeleryAvailable();
const MSGPACK = { CELERIAC_TEST_TASK_SERIALIZER: 'msgpack' };
const TS = 'ts@msgpack-control';

describe.runIf(available)('remote control with a Python app on msgpack', () => {
  let server: RedisServer;
  let app: App;
  let worker: Worker;
  let py: PythonWorker;
  let pyNode: string;
  useRedisSuite((s) => ({ server, app } = s));
  beforeAll(async () => {
    worker = await startWorker(server.url, { concurrency: 1, name: TS, queues: ['celery'] });
    py = await startPythonWorker(server.url, ['celery', 'orders'], 'pymsgpack', { env: MSGPACK });
    pyNode = /pymsgpack@[^\s:]+/.exec(py.log())?.[0] ?? 'pymsgpack@unknown';
  });
  afterAll(async () => {
    await py?.stop();
    await worker?.stop();
  });

  it('the room reads the Python worker\'s msgpack replies: ping and its queues', async () => {
    const pong = (await app.control.broadcast('ping', {}, { destination: [pyNode], timeout: 2000 })) as Record<string, unknown>;
    expect(pong[pyNode]).toEqual({ ok: 'pong' });
    const queues = (await app.control.broadcast('active_queues', {}, { destination: [pyNode], timeout: 2000 })) as Record<string, Array<{ name: string }>>;
    expect(queues[pyNode]?.map((q) => q.name).sort()).toEqual(['celery', 'orders']);
  });

  it('a Celeriac worker answers `celery inspect ping` sent in msgpack, in msgpack (the client accepts nothing else)', async () => {
    // Not spawnSync: the Celeriac worker runs in this process and must go on answering.
    const { stdout } = await promisify(execFile)(PYTHON, ['-m', 'celery', '-A', 'pyapp', 'inspect', 'ping', '--json', '-t', '5', '-d', TS], {
      cwd: PY_DIR, env: { ...process.env, ...MSGPACK, CELERIAC_TEST_ACCEPT: 'msgpack', CELERIAC_TEST_BROKER: server.url }, encoding: 'utf8', timeout: 30_000,
    });
    const line = stdout.trim().split('\n').find((l) => l.startsWith('{'));
    expect(line, stdout).toBeDefined();
    expect((JSON.parse(line!) as Record<string, unknown>)[TS]).toEqual({ ok: 'pong' });
  });
});
