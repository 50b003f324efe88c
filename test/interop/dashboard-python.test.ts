/**
 * The dashboard on a Python Celery deployment: what a Python worker (started without -E) runs
 * is in the overview (counts, failure rate, runtime percentiles, throughput, the worker online
 * now and over time), the summary bar, the failure groups and /metrics, labelled with the
 * Python worker's name — from its events, as the control room hears them.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { ok } from '../helpers/contract.js';
import { pythonCeleryAvailable, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

describe.runIf(pythonCeleryAvailable())('the dashboard of a Python Celery deployment', () => {
  let server: RedisServer;
  let py: PythonWorker;
  let room: ControlRoom;
  const env = () => ({ CELERIAC_TEST_BROKER: server.url });
  beforeAll(async () => {
    server = await startRedisServer();
    py = await startPythonWorker(server.url, ['celery'], 'pydash', { heartbeat: true });
    room = new ControlRoom({ dataDir: mkdtempSync(join(tmpdir(), 'celeriac-dash-py-')), local: false, initial: { url: server.url, hostPool: false } });
    expect((await room.start()).state).toBe('connected');
  });
  afterAll(async () => {
    await room?.stop();
    await py?.stop();
    await server?.stop();
  });

  it("counts the Python worker's tasks in the overview, the bar, the failure groups and /metrics", async () => {
    // The control room's enable_events casts turn the worker's task events on: send until one is heard.
    await until(async () => {
      await runPython('pyclient.py', ['send-add', '1', '1'], env());
      return (await ok(room.call('tasks:search', { query: 'state:SUCCESS name:tasks.add' }))).total > 0;
    }, 30_000);
    for (let i = 0; i < 4; i++) await runPython('pyclient.py', ['send-add', String(i), '2'], env());
    for (const n of [17, 4242]) await runPython('pyclient.py', ['send-fail', `no size ${n}`], env());
    const added = async (): Promise<number> => (await ok(room.call('tasks:search', { query: 'state:SUCCESS name:tasks.add' }))).total;
    await until(async () => (await added()) >= 5 && (await ok(room.call('tasks:search', { query: 'state:FAILURE name:tasks.fail' }))).total === 2);
    const succeeded = await added();

    const o = await ok(room.call('overview:get', { range: '15m' }));
    const add = o.tasks.find((t) => t.name === 'tasks.add')!;
    expect(add).toMatchObject({ count: succeeded, failureRate: 0 });
    expect(add.p50).toBeGreaterThan(0); // Python's task-succeeded carries the runtime
    expect(add.p95!).toBeGreaterThanOrEqual(add.p50!);
    expect(o.tasks.find((t) => t.name === 'tasks.fail')).toMatchObject({ count: 2, failureRate: 1 });
    expect(o.throughput.succeeded.reduce((a, b) => a + b, 0)).toBe(succeeded);
    expect(o.throughput.failed.reduce((a, b) => a + b, 0)).toBe(2);
    expect(o.workersOnline).toBe(1); // the Python worker, from its heartbeats
    expect(o.workersOverTime.at(-1)).toBe(1);

    expect(await ok(room.call('summary:get', {}))).toMatchObject({ processed: succeeded + 2, failed: 2 });

    // One group: the numbers in the message are normalised away.
    const groups = await ok(room.call('failures:groups', {}));
    const group = groups.groups.find((g) => g.name === 'tasks.fail')!;
    expect(group).toMatchObject({ count: 2, exceptionType: 'ValueError' });

    const m = parsePrometheusTextFormat((await room.metrics())!.body);
    const value = (name: string, labels: Record<string, string>): number =>
      (m.find((f) => f.name === name)?.metrics ?? []).filter((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v)).reduce((sum, s) => sum + Number(s.value), 0);
    const worker = m.find((f) => f.name === 'celery_task_succeeded_total')!.metrics.find((s) => s.labels?.name === 'tasks.add')!.labels!.hostname!;
    expect(worker).toMatch(/^pydash@/);
    expect(value('celery_task_succeeded_total', { name: 'tasks.add', hostname: worker })).toBe(succeeded);
    expect(value('celery_task_failed_total', { name: 'tasks.fail', exception: 'ValueError' })).toBe(2);
    // Received: each task whose task-received was heard (the one that turned events on may have missed it).
    const received = value('celery_task_received_total', { name: 'tasks.add', hostname: worker });
    expect(received).toBeGreaterThanOrEqual(4);
    expect(received).toBeLessThanOrEqual(succeeded);
    expect(value('celery_worker_up', { hostname: worker })).toBe(1);
  });
});
