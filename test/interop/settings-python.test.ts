import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import type { Worker } from '../../src-main/core/worker/worker.js';
import { pythonCeleryAvailable, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';
import { startWorker } from '../helpers/worker.js';

/**
 * Celery settings of docs/celery-settings.md that act on the worker, set the Python way: limits
 * and ignore_result in what Python's send_task writes, result_expires and task_track_started
 * read back from Redis and by Python's AsyncResult, a Python worker beside ours as the measure.
 */
const SETTINGS = fileURLToPath(new URL('../fixtures/tasks/settings.ts', import.meta.url));
const available = pythonCeleryAvailable();

describe.runIf(available)('Celery settings on a Celeriac worker, set from Python', () => {
  let server: RedisServer;
  let worker: Worker;
  let unlimited: Worker;
  let onDefault: Worker;
  let redelivering: Worker;
  let py: PythonWorker;
  const env = () => ({ CELERIAC_TEST_BROKER: server.url });
  const send = async (name: string, args: unknown[], options: Record<string, unknown> = {}) =>
    (JSON.parse(await runPython('pysettings.py', ['send', name, JSON.stringify(args), JSON.stringify(options)], env())) as { id: string }).id;
  const pyclient = async (...args: string[]) => JSON.parse(await runPython('pyclient.py', args, env())) as Record<string, unknown>;

  beforeAll(async () => {
    server = await startRedisServer();
    // The task module's app says resultExpires: 120; the worker is told nothing about it.
    worker = await startWorker(server.url, { module: SETTINGS, queues: ['celery'], name: 'settings@test', concurrency: 2 });
    unlimited = await startWorker(server.url, { module: SETTINGS, queues: ['unlimited'], name: 'unlimited@test', concurrency: 1, disableRateLimits: true });
    onDefault = await startWorker(server.url, { module: SETTINGS, queues: ['dq'], name: 'default@test', concurrency: 1 });
    redelivering = await startWorker(server.url, { module: SETTINGS, queues: ['lost'], name: 'lost@test', concurrency: 1, onChildLost: 'redeliver' });
    py = await startPythonWorker(server.url, ['pyq'], 'pysettings', { app: 'pysettings', env: { CELERIAC_TEST_RESULT_EXPIRES: '120' } });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([worker?.stop(), unlimited?.stop(), onDefault?.stop(), redelivering?.stop(), py?.stop()]);
    await server?.stop();
  });

  it("result_expires: the worker keeps results as long as its task module's app says, as a Python worker with the same setting", async () => {
    const ours = await send('settings.add', [1, 2]);
    const theirs = await send('tasks.add', [1, 2], { queue: 'pyq' });
    expect(await pyclient('get', ours, '20')).toMatchObject({ state: 'SUCCESS', result: 3 });
    expect(await pyclient('get', theirs, '20')).toMatchObject({ state: 'SUCCESS', result: 3 });
    const redis = server.client();
    const [ttlOurs, ttlTheirs] = await Promise.all([redis.ttl(`celery-task-meta-${ours}`), redis.ttl(`celery-task-meta-${theirs}`)]);
    redis.disconnect();
    expect(ttlTheirs).toBeGreaterThan(100);
    expect(ttlTheirs).toBeLessThanOrEqual(120);
    expect(ttlOurs).toBeGreaterThan(100);
    expect(ttlOurs).toBeLessThanOrEqual(120);
  });

  it('task_time_limit: a time_limit in what Python sends kills the task; Python reads TimeLimitExceeded', async () => {
    const id = await send('settings.spin', [], { time_limit: 1 });
    expect(await pyclient('get', id, '20')).toMatchObject({ state: 'FAILURE', exc_type: 'TimeLimitExceeded' });
  });

  it("task_soft_time_limit: a soft_time_limit in what Python sends aborts the task's signal with SoftTimeLimitExceeded", async () => {
    const id = await send('settings.soft', [], { soft_time_limit: 0.5 });
    expect(await pyclient('get', id, '20')).toMatchObject({ state: 'SUCCESS', result: 'aborted: SoftTimeLimitExceeded' });
  });

  it('task_ignore_result: a task Python sends with ignore_result runs and stores nothing', async () => {
    const list = uniqueName('ran');
    const id = await send('settings.record', [list, 'x'], { ignore_result: true });
    const redis = server.client();
    await until(async () => (await redis.llen(list)) === 1);
    // The worker acknowledges after the store it skips: once the claim is gone, nothing will come.
    await until(async () => (await redis.hlen('unacked')) === 0);
    expect(await redis.exists(`celery-task-meta-${id}`)).toBe(0);
    redis.disconnect();
  });

  it("task_track_started: Python's AsyncResult reads STARTED while the task runs", async () => {
    const id = await send('settings.tracked', [3000]);
    await until(async () => (await pyclient('state', id)).state === 'STARTED', 10_000);
    expect(await pyclient('get', id, '20')).toMatchObject({ state: 'SUCCESS', result: 'done' });
  });

  it('worker_disable_rate_limits: a worker without rate limits runs a 1/m task back to back', async () => {
    const list = uniqueName('limited');
    for (const tag of ['a', 'b', 'c']) await send('settings.limited', [list, tag], { queue: 'unlimited' });
    const redis = server.client();
    await until(async () => (await redis.llen(list)) === 3, 10_000);
    redis.disconnect();
  });

  it("task_default_exchange / routing_key: a worker consuming its app's default queue binds it so, and Python's send to dx with dk reaches it", async () => {
    const id = await send('settings.add', [2, 3], { exchange: 'dx', routing_key: 'dk' });
    expect(await pyclient('get', id, '20')).toMatchObject({ state: 'SUCCESS', result: 5 });
  });

  it('task_default_priority: what the app sends with no priority goes with defaultPriority, and a Python worker reads it', async () => {
    const app = createApp({ broker: server.url, defaultPriority: 6 });
    try {
      const r = await app.sendTask<{ priority: number }>('tasks.echo', [], {}, { queue: 'pyq' });
      expect((await r.get({ timeout: 20_000 })).priority).toBe(6);
    } finally {
      await app.close();
    }
  });

  it("task_reject_on_worker_lost: a worker with onChildLost 'redeliver' runs again the task whose child died; Python reads its value", async () => {
    const key = uniqueName('crashes');
    const id = await send('settings.crash_once', [key], { queue: 'lost' });
    expect(await pyclient('get', id, '25')).toMatchObject({ state: 'SUCCESS', result: 'ran again' });
  });

  it('task_reject_on_worker_lost unset: the task whose child died fails with WorkerLostError, as in Celery', async () => {
    const key = uniqueName('crashes');
    const id = await send('settings.crash_once', [key]);
    expect(await pyclient('get', id, '25')).toMatchObject({ state: 'FAILURE', exc_type: 'WorkerLostError' });
  });
});
