import sharp from 'sharp';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInTasksModule } from '../../src-main/core/worker/built-in-tasks.js';
import { createApp, type App } from '../../src-main/core/app.js';
import { pythonCeleryAvailable, runPython, startPythonWorker } from '../helpers/python.js';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { startWorker } from '../helpers/worker.js';
import { until } from '../helpers/until.js';
import { useRedisSuite } from '../helpers/suite.js';

/** A Celeriac worker serving Python producers, and working beside Python workers. */
const available = pythonCeleryAvailable();

describe.runIf(available)('a Celeriac worker among Python Celery', () => {
  let server: RedisServer;
  let redis: Redis;
  let app: App;
  const env = () => ({ CELERIAC_TEST_BROKER: server.url });
  useRedisSuite((s) => ({ server, redis, app } = s), { worker: { concurrency: 2, name: 'ts@test' } });

  it('runs what Python .delay() sends, and Python\'s AsyncResult.get() returns the value', async () => {
    const out = JSON.parse(await runPython('pyclient.py', ['send-add', '20', '22'], env()));
    expect(out.result).toBe(42);
    expect(await app.asyncResult(out.id).info()).toMatchObject({ status: 'SUCCESS', worker: 'ts@test', name: 'tasks.add' });
  });

  it('reports a failure that Python raises as the right exception type and message', async () => {
    const out = JSON.parse(await runPython('pyclient.py', ['send-fail', 'broken in ts'], env()));
    expect(out).toMatchObject({ exc_type: 'ValueError', exc_module: 'builtins', exc_message: 'broken in ts' });
  });

  it('honours a retry re-sent by Python: its retries count and its eta', async () => {
    const sent = Date.now();
    const out = JSON.parse(await runPython('pyclient.py', ['retried', 'tasks.echo', '2', '1'], env()));
    const value = await app.asyncResult<{ retries: number }>(out.id).get({ timeout: 15_000 });
    expect(value.retries).toBe(2);
    const meta = await app.asyncResult(out.id).info();
    expect(meta.retries).toBe(2);
    expect(Date.parse(`${meta.date_done}Z`)).toBeGreaterThanOrEqual(sent + 1000);
  });

  it('answers Celery\'s own remote control: inspect ping / registered / active', async () => {
    const ping = JSON.parse(await runPython('pyclient.py', ['inspect', 'ping'], env()));
    expect(ping['ts@test']).toEqual({ ok: 'pong' });
    const registered = JSON.parse(await runPython('pyclient.py', ['inspect', 'registered'], env()));
    expect(registered['ts@test']).toContain('tasks.add');
    const running = await app.sendTask('tasks.sleep', [1500]);
    await new Promise((r) => setTimeout(r, 200));
    const active = JSON.parse(await runPython('pyclient.py', ['inspect', 'active'], env()));
    expect(active['ts@test']).toEqual([expect.objectContaining({ id: running.id, name: 'tasks.sleep' })]);
    await running.get({ timeout: 10_000 });
  });

  it('discards a task revoked by Python\'s app.control.revoke', async () => {
    const list = uniqueName('ran');
    const r = await app.sendTask('tasks.record', [list, 'x'], {}, { countdown: 1 });
    await runPython('pyclient.py', ['revoke', r.id], env());
    await expect(r.get({ timeout: 10_000 })).rejects.toMatchObject({ name: 'TaskRevokedError', message: 'revoked' });
    expect(await redis.llen(list)).toBe(0);
  });

  it('shares a queue with a Python worker: every task runs, once, some on each', async () => {
    const queue = uniqueName('shared');
    const list = uniqueName('ran');
    const py = await startPythonWorker(server.url, [queue], 'pyshare');
    const ts = await startWorker(server.url, { concurrency: 1, queues: [queue], name: 'tsshare@test', prefetch: 1 });
    try {
      const results = await app.sendMany(Array.from({ length: 200 }, (_, i) => ({ name: 'tasks.record', args: [list, i], options: { queue } })));
      await Promise.all(results.map((r) => r.get({ timeout: 30_000 })));
      const ran = (await redis.lrange(list, 0, -1)).map(Number).sort((a, b) => a - b);
      expect(ran).toEqual(Array.from({ length: 200 }, (_, i) => i));
      const workers = (await Promise.all(results.map((r) => r.info()))).map((m) => m.worker);
      expect(workers.filter((w) => w === 'tsshare@test').length).toBeGreaterThan(0);
      expect(workers.filter((w) => w?.startsWith('pyshare@')).length).toBeGreaterThan(0);
    } finally {
      await Promise.all([py.stop(), ts.stop()]);
    }
  });

  it('restores and runs the claim a killed Python worker left in unacked', async () => {
    const queue = uniqueName('orphan');
    const list = uniqueName('ran');
    const py = await startPythonWorker(server.url, [queue], 'pydoomed');
    const r = await app.sendTask('tasks.slow', [list, 'rescued', 2], {}, { queue });
    for (let i = 0; i < 100 && (await redis.hlen('unacked')) === 0; i++) await new Promise((res) => setTimeout(res, 50));
    const [entry] = Object.values(await redis.hgetall('unacked'));
    expect(JSON.parse(entry!)[0].headers.id).toBe(r.id);
    py.process.kill('SIGKILL');
    await new Promise((res) => py.process.once('exit', res));
    const rescuer = await startWorker(server.url, { concurrency: 1, queues: [queue], name: 'rescuer@test', visibilityTimeout: 1 });
    try {
      expect(await r.get({ timeout: 30_000 })).toBe('rescued');
      expect(await r.info()).toMatchObject({ worker: 'rescuer@test' });
      expect(await redis.lrange(list, 0, -1)).toEqual(['rescued']);
    } finally {
      await rescuer.stop();
    }
  });
  it('runs the built-in resize_image for Python\'s send_task, and Python reads the result', async () => {
    const queue = uniqueName('images');
    const worker = await startWorker(server.url, { module: builtInTasksModule(), queues: [queue], concurrency: 1 });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'celeriac-py-resize-'));
      const input = join(dir, 'in.jpg');
      await sharp({ create: { width: 1024, height: 768, channels: 3, background: '#3f7d4e' } }).jpeg().toFile(input);
      const output = join(dir, 'out.jpg');
      const out = JSON.parse(await runPython('pyclient.py', ['call', 'resize_image', JSON.stringify([input, output, [300, 300]]), queue], env()));
      expect(out.result).toMatchObject({ output, width: 300, height: 300, format: 'jpeg' });
      expect(await sharp(output).metadata()).toMatchObject({ width: 300, height: 300, format: 'jpeg' });
    } finally {
      await worker.stop();
    }
  });
});

describe.runIf(available)('Celery\'s own event receiver (what Flower uses)', () => {
  it('sees a Celeriac worker\'s heartbeats and task events', async () => {
    const server = await startRedisServer();
    const app = createApp({ broker: server.url });
    const { spawn } = await import('node:child_process');
    const { PYTHON, PY_DIR } = await import('../helpers/python.js');
    const listener = spawn(PYTHON, ['pyevents.py', '30', 'task-succeeded'], { cwd: PY_DIR, env: { ...process.env, CELERIAC_TEST_BROKER: server.url } });
    let out = '';
    listener.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // Pub/sub keeps nothing for a listener not yet subscribed: send only once its pattern is in.
    const probe = server.client();
    await until(async () => Number(await probe.call('PUBSUB', 'NUMPAT')) > 0, 20_000);
    const worker = await startWorker(server.url, { concurrency: 1, events: true, name: 'flowerseen@test' });
    const r = await app.sendTask('tasks.add', [20, 22]);
    await r.get({ timeout: 10_000 });
    await new Promise<void>((resolve) => listener.on('exit', () => resolve()));
    await worker.stop();
    await app.close();
    await server.stop();
    const seen = JSON.parse(out.split('\n').filter(Boolean).at(-1)!) as Array<Record<string, unknown>>;
    expect(seen.find((e) => e.type === 'worker-online')).toMatchObject({ hostname: 'flowerseen@test', sw_ident: 'celeriac' });
    const task = seen.filter((e) => e.uuid === r.id).map((e) => e.type);
    expect(task).toEqual(['task-received', 'task-started', 'task-succeeded']);
    expect(seen.find((e) => e.uuid === r.id && e.type === 'task-succeeded')).toMatchObject({ result: '42' });
  });

});
