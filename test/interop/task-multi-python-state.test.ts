/**
 * A Celeriac worker's batched task events read by Celery's own EventReceiver and folded into its
 * events.state.State, what Flower runs, in a deployment that keeps none of Celery's defaults
 * that events touch: the broker on database 3 (event channels /3.celeryev/*), tasks in msgpack
 * and gzip on a routed queue, results on database 1.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import { PY_DIR, PYTHON, pythonCeleryAvailable } from '../helpers/python.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';
import { startWorker } from '../helpers/worker.js';

// Read by the task module (routed.ts) in this process and the pool's children.
process.env.CELERIAC_TEST_WIRE = 'msgpack';

const available = pythonCeleryAvailable();
const ROUTED = fileURLToPath(new URL('../fixtures/tasks/routed.ts', import.meta.url));
const HOST = 'ts@multi-state';

interface Seen {
  events: Array<{ type: string; uuid: string | null; hostname: string; clock: number }>;
  tasks: Record<string, { state: string; name: string | null; result: string | null; exception: string | null; worker: string | null; received: number | null; started: number | null; succeeded: number | null; failed: number | null }>;
  worker: { alive: boolean } | null;
}

describe.runIf(available)("Celery's State fed a Celeriac worker's task.multi (broker db 3, msgpack on a routed queue, results on db 1)", () => {
  let server: RedisServer;
  let app: App;
  let broker: string;
  beforeAll(async () => {
    server = await startRedisServer();
    broker = server.url.replace(/\/\d+$/, '/3');
    app = createApp({
      broker, backend: server.url.replace(/\/\d+$/, '/1'), defaultQueue: 'cvq',
      taskSerializer: 'msgpack', taskCompression: 'gzip', resultSerializer: 'msgpack', accept: ['json', 'msgpack'],
    });
  });
  afterAll(async () => {
    await app?.close();
    await server?.stop();
  });

  it('sees every event of every task, a failure too, those sent at the stop included, before worker-offline', async () => {
    const listener = spawn(PYTHON, ['pyeventstate.py', '60', HOST], { cwd: PY_DIR, env: { ...process.env, CELERIAC_TEST_BROKER: broker } });
    let out = '';
    let err = '';
    listener.stdout.on('data', (d: Buffer) => (out += d.toString()));
    listener.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<void>((resolve) => listener.on('exit', () => resolve()));
    // Pub/sub keeps nothing for a listener not yet subscribed: send only once its pattern is in.
    const probe = server.client();
    await until(async () => Number(await probe.call('PUBSUB', 'NUMPAT')) > 0, 20_000);
    probe.disconnect();
    // Which messages went out, in order (task.multi, worker.heartbeat, ...).
    const sub = server.client();
    const messages: string[] = [];
    sub.on('pmessage', (_p: string, channel: string) => messages.push(channel.split('/').at(-1)!));
    await sub.psubscribe('/3.celeryev/*');
    // No flush by the timer: the task events go out before heartbeats and at the stop only.
    const worker = await startWorker(broker, { module: ROUTED, queues: ['cvq'], concurrency: 2, events: true, name: HOST, taskEventFlushMs: 600_000 });
    const ok = await Promise.all(Array.from({ length: 12 }, (_, i) => app.sendTask('tasks.add', [i, 1])));
    const bad = await app.sendTask('tasks.fail', ['seen by State']);
    expect(await Promise.all(ok.map((r) => r.get({ timeout: 15_000 })))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    await expect(bad.get({ timeout: 15_000 })).rejects.toMatchObject({ state: 'FAILURE' });
    await worker.stop();
    await exited;
    sub.disconnect();
    const seen = JSON.parse(out.split('\n').filter(Boolean).at(-1) ?? 'null') as Seen | null;
    expect(seen, err).not.toBeNull();

    for (const r of ok) {
      expect(seen!.events.filter((e) => e.uuid === r.id).map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
      expect(seen!.tasks[r.id]).toMatchObject({ state: 'SUCCESS', name: 'tasks.add', worker: HOST, received: expect.any(Number), started: expect.any(Number), succeeded: expect.any(Number) });
    }
    expect(seen!.tasks[ok[3]!.id]!.result).toBe('4');
    expect(seen!.events.filter((e) => e.uuid === bad.id).map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-failed']);
    expect(seen!.tasks[bad.id]).toMatchObject({ state: 'FAILURE', name: 'tasks.fail', exception: "ValueError('seen by State')", failed: expect.any(Number) });
    const mine = seen!.events.filter((e) => e.hostname === HOST);
    expect(mine.at(-1)!.type).toBe('worker-offline');
    expect(mine.map((e) => e.clock)).toEqual([...mine.map((e) => e.clock)].sort((a, b) => a - b));
    expect(seen!.worker).toMatchObject({ alive: false });
    // Batched: each task.multi went out ahead of a heartbeat or at the stop (what was buffered
    // since the last heartbeat, which State saw above, only the stop sent).
    const first = messages.indexOf('task.multi');
    const beats = messages.slice(first).filter((m) => m === 'worker.heartbeat').length;
    expect(messages.filter((m) => m === 'task.multi').length).toBeLessThanOrEqual(beats + 1);
  }, 90_000);
});
