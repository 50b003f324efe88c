import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import { buildMeta } from '../../src-main/core/backend/result-meta.js';
import { RemoteTaskError } from '../../src-main/core/errors.js';
import { parseCeleryIso } from '../../src-main/core/protocol/time.js';
import { pythonCeleryAvailable, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';

/**
 * Celeriac as the producer, a real Python Celery 5 worker (Debian's python3-celery) as the
 * consumer, and Python's AsyncResult reading what Celeriac's backend writes.
 */
const available = pythonCeleryAvailable();

describe.runIf(available)('a Python Celery worker runs what Celeriac sends', () => {
  let server: RedisServer;
  let redis: Redis;
  let app: App;
  let worker: PythonWorker;
  const env = () => ({ CELERIAC_TEST_BROKER: server.url });

  beforeAll(async () => {
    server = await startRedisServer();
    redis = server.client();
    app = createApp({ broker: server.url });
    worker = await startPythonWorker(server.url, ['celery', 'math']);
  });
  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await server?.stop();
  });

  it('runs delay() with args and returns the value to get()', async () => {
    const add = app.task('tasks.add', (x: number, y: number) => x + y);
    const r = await add.delay(2, 3);
    expect(await r.get({ timeout: 15_000 })).toBe(5);
    expect(await r.info()).toMatchObject({ status: 'SUCCESS', name: 'tasks.add', args: [2, 3], kwargs: {}, queue: 'celery', worker: expect.stringMatching(/^py@/) });
  });

  it('runs sendTask with kwargs on a non-default queue', async () => {
    const r = await app.sendTask<number>('tasks.mul', [6], { y: 7 }, { queue: 'math' });
    expect(await r.get({ timeout: 15_000 })).toBe(42);
    const echo = await app.sendTask<Record<string, unknown>>('tasks.echo', [1, 'two', [3]], { four: { five: null } }, { queue: 'math' });
    expect(await echo.get({ timeout: 15_000 })).toMatchObject({ args: [1, 'two', [3]], kwargs: { four: { five: null } }, routing_key: 'math', id: echo.id, root_id: echo.id, retries: 0 });
  });

  it('serves priorities in kombu\'s order (0 first)', async () => {
    const queue = uniqueName('prio');
    const list = uniqueName('order');
    const priorities = [9, 0, 5, 3, 6, 1];
    const results = await app.sendMany(priorities.map((p) => ({ name: 'tasks.record', args: [list, p], options: { queue, priority: p } })));
    const late = await startPythonWorker(server.url, [queue], 'prio');
    try {
      await Promise.all(results.map((r) => r.get({ timeout: 20_000 })));
    } finally {
      await late.stop();
    }
    expect((await redis.lrange(list, 0, -1)).map(Number)).toEqual([0, 1, 5, 3, 6, 9]);
  });

  it('reports a failing task with the Python exception type, message and traceback', async () => {
    const r = await app.sendTask('tasks.fail', ['boom from python'], {});
    const err = (await r.get({ timeout: 15_000 }).catch((e: unknown) => e)) as RemoteTaskError;
    expect(err).toBeInstanceOf(RemoteTaskError);
    expect(err.name).toBe('ValueError');
    expect(err.message).toBe('boom from python');
    expect(err.excModule).toBe('builtins');
    expect(err.traceback).toMatch(/Traceback \(most recent call last\)[\s\S]*ValueError: boom from python/);
  });

  it('lets Celeriac read a result Python produced and stored, PROGRESS included', async () => {
    const out = JSON.parse(await runPython('pyclient.py', ['send-add', '4', '5'], env()));
    expect(await app.asyncResult(out.id).get({ timeout: 5000 })).toBe(9);
    const prog = JSON.parse(await runPython('pyclient.py', ['send-progress', '3'], env()));
    expect(await app.asyncResult(prog.id).get({ timeout: 5000 })).toBe(3);
    const failed = JSON.parse(await runPython('pyclient.py', ['send-fail', 'py side'], env()));
    await expect(app.asyncResult(failed.id).get({ timeout: 5000 })).rejects.toMatchObject({ name: 'ValueError', message: 'py side' });
  });

  it('writes results Python reads: values, custom states and exceptions by type', async () => {
    const [ok, prog, bad, mine] = [uniqueName('id'), uniqueName('id'), uniqueName('id'), uniqueName('id')];
    await app.backend.store(buildMeta(ok, 'SUCCESS', { sum: [1, 2] }));
    await app.backend.store(buildMeta(prog, 'PROGRESS', { current: 2, total: 5 }));
    await app.backend.store(buildMeta(bad, 'FAILURE', { exc_type: 'KeyError', exc_message: ['missing'], exc_module: 'builtins' }, { traceback: 'at task (file.ts:1:1)' }));
    await app.backend.store(buildMeta(mine, 'FAILURE', { exc_type: 'QuotaExceeded', exc_message: ['over quota'], exc_module: 'celeriac' }));
    expect(JSON.parse(await runPython('pyclient.py', ['get', ok], env()))).toMatchObject({ state: 'SUCCESS', result: { sum: [1, 2] } });
    expect(JSON.parse(await runPython('pyclient.py', ['state', prog], env()))).toMatchObject({ state: 'PROGRESS', info: { current: 2, total: 5 } });
    expect(JSON.parse(await runPython('pyclient.py', ['get', bad], env()))).toMatchObject({ state: 'FAILURE', exc_type: 'KeyError', exc_module: 'builtins', exc_message: "'missing'" });
    expect(JSON.parse(await runPython('pyclient.py', ['get', mine], env()))).toMatchObject({ exc_type: 'QuotaExceeded', exc_message: 'over quota' });
  });

  it('runs thousands of bulk-sent tasks, every one', async () => {
    const results = await app.sendMany(Array.from({ length: 300 }, (_, i) => ({ name: 'tasks.add', args: [i, i] })));
    const values = await Promise.all(results.map((r) => r.get({ timeout: 30_000 })));
    expect(values).toEqual(Array.from({ length: 300 }, (_, i) => 2 * i));
  });
  it('honours expires: an expired task is revoked, not run', async () => {
    const r = await app.sendTask('tasks.add', [1, 1], {}, { expires: new Date(Date.now() - 60_000) });
    const err = await r.get({ timeout: 15_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TaskRevokedError', message: 'expired', state: 'REVOKED' });
  });

  // Last on purpose: after an ETA task, a Celery 5.2 worker with prefetch 1 may stop fetching
  // until its 10 s hub timer fires (seen with Python-sent ETA tasks too), which would only slow
  // the tests after it.
  it('honours countdown: the task runs no earlier than its eta, which Python reads as ours', async () => {
    const sentAt = Date.now();
    const r = await app.sendTask<{ eta: string; ran_at: number }>('tasks.echo', [], {}, { countdown: 1.5 });
    const out = await r.get({ timeout: 15_000 });
    const eta = parseCeleryIso(out.eta.replace(' ', 'T'))!;
    expect(Math.abs(eta - (sentAt + 1500))).toBeLessThan(500);
    expect(out.ran_at * 1000).toBeGreaterThanOrEqual(eta - 5);
  });
});
