/**
 * What Send and Batches suggest on a Python Celery deployment: the tasks the live Python worker
 * registered (from `inspect registered`), the names the history saw, the built-ins marked as
 * run by no worker; and, for a task page, which workers consume a queue (their active_queues).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { ok } from '../helpers/contract.js';
import { pythonCeleryAvailable, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

describe.runIf(pythonCeleryAvailable())('task suggestions and queue consumers from a Python worker', () => {
  let server: RedisServer;
  let py: PythonWorker;
  let room: ControlRoom;
  beforeAll(async () => {
    server = await startRedisServer();
    py = await startPythonWorker(server.url, ['celery'], 'pyknown', { heartbeat: true });
    room = new ControlRoom({ dataDir: mkdtempSync(join(tmpdir(), 'celeriac-known-py-')), local: false, initial: { url: server.url, hostPool: false } });
    expect((await room.start()).state).toBe('connected');
  });
  afterAll(async () => {
    await room?.stop();
    await py?.stop();
    await server?.stop();
  });

  it("suggests the Python worker's registered tasks with its name, and marks the built-ins no worker runs", async () => {
    const known = await ok(room.call('tasks:known', {}));
    const worker = known.answered.find((w) => w.startsWith('pyknown@'));
    expect(worker).toBeDefined();
    for (const name of ['tasks.add', 'tasks.fail', 'tasks.slow']) {
      expect(known.tasks.find((t) => t.name === name)).toMatchObject({ workers: [worker], declared: false });
    }
    // A built-in task: declared here, run by no live worker (no pool is hosted).
    expect(known.tasks.find((t) => t.name === 'resize_image')).toMatchObject({ workers: [], declared: true });
    // What a live worker runs comes first.
    const firstIdle = known.tasks.findIndex((t) => t.workers.length === 0);
    expect(known.tasks.slice(firstIdle).every((t) => t.workers.length === 0)).toBe(true);
  });

  it('adds the names the history has seen, and says no worker consumes the queue a task waits in', async () => {
    const queue = uniqueName('nobody');
    await ok(room.call('tasks:submit', { name: 'tasks.ghost', args: [1], queue }));
    await until(async () => (await ok(room.call('tasks:search', { query: 'name:tasks.ghost' }))).total === 1);
    const ghost = (await ok(room.call('tasks:known', {}))).tasks.find((t) => t.name === 'tasks.ghost');
    expect(ghost).toMatchObject({ workers: [], declared: false, seen: true });

    // The cluster inspects active_queues every 10 s: once the Python worker's are known,
    // it consumes `celery` and nobody consumes the ghost's queue.
    await until(async () => (await ok(room.call('workers:consuming', { queue: 'celery' }))).workers.some((w) => w.startsWith('pyknown@')), 20_000);
    expect(await ok(room.call('workers:consuming', { queue }))).toEqual({ queue, workers: [], unknown: [] });
  });
});
