/**
 * A Python task that fails with a 1.5 MB exception message: its task-failed event is megabytes
 * long, and still moves the task to FAILURE everywhere the control room shows it (the history
 * list, the summary bar, the failure groups, /metrics), its message cut and marked.
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

describe.runIf(pythonCeleryAvailable())('a Python failure with a 1.5 MB message', () => {
  let server: RedisServer;
  let py: PythonWorker;
  let room: ControlRoom;
  const env = () => ({ CELERIAC_TEST_BROKER: server.url });
  beforeAll(async () => {
    server = await startRedisServer();
    py = await startPythonWorker(server.url, ['celery'], 'pybig', { heartbeat: true });
    room = new ControlRoom({ dataDir: mkdtempSync(join(tmpdir(), 'celeriac-big-py-')), local: false, initial: { url: server.url, hostPool: false } });
    expect((await room.start()).state).toBe('connected');
  });
  afterAll(async () => {
    await room?.stop();
    await py?.stop();
    await server?.stop();
  });

  it('ends FAILURE in the list, the bar, the failure groups and /metrics', async () => {
    // The control room's enable_events casts turn the worker's task events on: send until one is heard.
    await until(async () => {
      await runPython('pyclient.py', ['send-add', '1', '1'], env());
      return (await ok(room.call('tasks:search', { query: 'state:SUCCESS name:tasks.add' }))).total > 0;
    }, 30_000);
    const sent = JSON.parse(await runPython('pybig.py', ['send-fail-big', String(1_500_000)], env())) as { id: string; exc_type: string; size: number };
    expect(sent).toMatchObject({ exc_type: 'ValueError', size: 1_500_000 });

    await until(async () => (await ok(room.call('tasks:search', { query: sent.id }))).tasks[0]?.state === 'FAILURE', 20_000);
    const listed = (await ok(room.call('tasks:search', { query: 'state:FAILURE name:tasks.fail' }))).tasks;
    expect(listed.map((t) => t.id)).toEqual([sent.id]);
    const row = listed[0]!;
    expect(row.exception).toMatch(/^ValueError\('E+… \[cut: 1\.5 MB\]'\)$/);
    expect(row.exception!.length).toBeLessThanOrEqual(64 * 1024);
    expect(row.traceback).toMatch(/… \[cut: 1\.5 MB\]$/);

    expect(await ok(room.call('summary:get', {}))).toMatchObject({ failed: 1 });
    const groups = await ok(room.call('failures:groups', {}));
    expect(groups.groups.find((g) => g.name === 'tasks.fail')).toMatchObject({ count: 1, exceptionType: 'ValueError' });

    const m = parsePrometheusTextFormat((await room.metrics())!.body);
    const failed = (m.find((f) => f.name === 'celery_task_failed_total')?.metrics ?? []).filter((s) => s.labels?.name === 'tasks.fail');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.labels!.exception).toBe('ValueError');
    expect(Number(failed[0]!.value)).toBe(1);
  }, 90_000);
});
