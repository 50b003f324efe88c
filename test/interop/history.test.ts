/**
 * The history on a Python Celery deployment: tasks that a Python worker (started without -E)
 * runs are kept with their final states, found by the search language (a failure by its
 * exception name), kept across a control room restart, and results written while the control
 * room was away are read back when it returns.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import type { HistoryTask } from '../../src-main/service/contract/index.js';
import { pythonCeleryAvailable, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { runCli } from '../helpers/cli.js';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

const available = pythonCeleryAvailable();

describe.runIf(available)('the history of a Python Celery deployment', () => {
  let server: RedisServer;
  let py: PythonWorker;
  let room: ControlRoom;
  const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-history-room-'));
  const env = () => ({ CELERIAC_TEST_BROKER: server.url });
  const open = async (): Promise<ControlRoom> => {
    const r = new ControlRoom({ dataDir, local: false, initial: { url: server.url, hostPool: false } });
    expect((await r.start()).state).toBe('connected');
    return r;
  };
  const search = async (query: string): Promise<{ total: number; tasks: HistoryTask[] }> => {
    const r = await room.call('tasks:search', { query });
    if (!r.ok) throw new Error(r.error.message);
    return r.value as { total: number; tasks: HistoryTask[] };
  };
  beforeAll(async () => {
    server = await startRedisServer();
    py = await startPythonWorker(server.url, ['celery'], 'pyhist', { heartbeat: true });
    room = await open();
  });
  afterAll(async () => {
    await room?.stop();
    await py?.stop();
    await server?.stop();
  });

  it('keeps what the Python worker ran, with final states, and finds a failure by its exception', async () => {
    // The control room's enable_events casts turn the worker's task events on: send until they come.
    let ok: { id: string } = { id: '' };
    await until(async () => {
      ok = JSON.parse(await runPython('pyclient.py', ['send-add', '20', '22'], env()));
      return (await search(`state:SUCCESS ${ok.id}`)).total === 1;
    }, 30_000);
    const done = (await search(ok.id)).tasks[0]!;
    expect(done).toMatchObject({ state: 'SUCCESS', name: 'tasks.add', result: '42', worker: expect.stringMatching(/^pyhist@/) });
    expect(done.received_at).not.toBeNull();

    const failed = JSON.parse(await runPython('pyclient.py', ['send-fail', 'no such size'], env())) as { id: string };
    await until(async () => (await search('state:FAILURE exception:ValueError')).tasks.some((t) => t.id === failed.id));
    const row = (await search(`exception:ValueError ${failed.id}`)).tasks[0]!;
    expect(row.exception).toMatch(/^ValueError\('no such size'\)/);
    expect(row.traceback).toMatch(/Traceback/);
    expect((await search('"no such size"')).tasks.map((t) => t.id)).toContain(failed.id);
    expect(await room.call('tasks:search', { query: 'colour:red' })).toMatchObject({ ok: false, error: { message: expect.stringContaining('unknown qualifier colour') } });
  });

  it('lists what `celeriac call` and the Send form sent, waiting and then run by the Python worker', async () => {
    // Waiting where no worker listens: listed at once, from the record `celeriac call` wrote.
    const parked = uniqueName('parked');
    const call = await runCli(['call', 'tasks.add', '-a', '[7, 8]', '-Q', parked, '-b', server.url]);
    expect(call.code).toBe(0);
    const waitingId = call.stdout.trim();
    await until(async () => (await search(`queue:${parked} state:PENDING`)).tasks.some((t) => t.id === waitingId));
    expect((await search(waitingId)).tasks[0]).toMatchObject({ name: 'tasks.add', args: '(7, 8)', queue: parked });

    // Run by the Python worker: their final states, from its events.
    const run = await runCli(['call', 'tasks.add', '-a', '[2, 3]', '-b', server.url]);
    const cliId = run.stdout.trim();
    const form = await room.call('tasks:submit', { name: 'tasks.fail', args: ['from the form'] });
    if (!form.ok) throw new Error(form.error.message);
    const formId = form.value.id;
    await until(async () => (await search(`${cliId} state:SUCCESS`)).total === 1 && (await search(`${formId} state:FAILURE`)).total === 1, 20_000);
    expect((await search(cliId)).tasks[0]).toMatchObject({ name: 'tasks.add', args: '(2, 3)', result: '5', worker: expect.stringMatching(/^pyhist@/) });
    const failed = (await search(`exception:ValueError name:tasks.fail ${formId}`)).tasks[0]!;
    expect(failed.exception).toMatch(/^ValueError\('from the form'\)/);
    expect(failed.traceback).toMatch(/Traceback/);
  });

  it('survives a restart, and reads back the results written while it was away', async () => {
    const before = (await search('')).total;
    await room.stop();
    // While it is away: Python runs a task (no events reach the history), its result is stored.
    const away = JSON.parse(await runPython('pyclient.py', ['send-add', '1', '2'], env())) as { id: string };
    room = await open();
    expect((await search('')).total).toBeGreaterThanOrEqual(before);
    expect((await search('state:FAILURE exception:ValueError')).total).toBeGreaterThanOrEqual(1);
    await until(async () => (await search(away.id)).total === 1);
    // result_extended: the name and arguments come with the stored result.
    expect((await search(away.id)).tasks[0]).toMatchObject({ state: 'SUCCESS', name: 'tasks.add', result: '3' });
  });
});
