/**
 * Edit and resend of a Python failure. tasks.divide failed because of its arguments (b = 0); it
 * was sent by a Python producer in msgpack to a queue task_routes names, run by a Python worker
 * with Celery's defaults (no result_extended, task events only once the room casts them on), so
 * the room rebuilds its call from the events' reprs. Sent again with new arguments it must run
 * on the Python worker and succeed with them: as a new task (the original stays FAILURE, both
 * pages link the other) and in place (the same id, retries + 1).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { ok } from '../helpers/contract.js';
import { pythonCeleryAvailable, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

describe.runIf(pythonCeleryAvailable())('edit and resend of a Python failure', () => {
  let server: RedisServer;
  let worker: PythonWorker;
  let room: ControlRoom;
  const env = () => ({ CELERIAC_TEST_BROKER: server.url });
  const divide = async (a: number, b: number): Promise<string> => (JSON.parse(await runPython('pyresend.py', ['send', String(a), String(b)], env())) as { id: string }).id;
  const page = (id: string) => ok(room.call('tasks:get', { id }));
  /** Its state once the worker's events about it were heard (a stored result alone names no worker). */
  const heardState = async (id: string): Promise<string | undefined> => {
    const h = (await page(id)).history;
    return h?.name && h.worker ? h.state : undefined;
  };
  const resultOf = async (id: string): Promise<{ state: string; result?: unknown }> => JSON.parse(await runPython('pyclient.py', ['get', id, '20'], env())) as never;

  beforeAll(async () => {
    server = await startRedisServer();
    worker = await startPythonWorker(server.url, ['pyresendq'], 'pyresend', { heartbeat: true, app: 'pyresend', env: { CELERIAC_TEST_RESULT_EXTENDED: '0' } });
    room = new ControlRoom({ dataDir: mkdtempSync(join(tmpdir(), 'celeriac-resend-py-')), local: false, initial: { url: server.url, hostPool: false } });
    expect((await room.start()).state).toBe('connected');
    // Its task events are on once the room's cast reached it: send until one is heard.
    await until(async () => {
      const id = (JSON.parse(await runPython('pyclient.py', ['call', 'tasks.add', '[1, 2]', 'pyresendq'], env())) as { id: string }).id;
      return (await heardState(id)) === 'SUCCESS';
    }, 30_000);
  }, 90_000);
  afterAll(async () => {
    await room?.stop();
    await worker?.stop();
    await server?.stop();
  });

  it('drafts its call rebuilt from the events, on its routed queue', async () => {
    const id = await divide(6, 0);
    await until(async () => (await heardState(id)) === 'FAILURE');
    expect(await ok(room.call('tasks:resendDraft', { id }))).toMatchObject({
      name: 'tasks.divide', args: [6, 0], kwargs: {}, from: 'events', queue: 'pyresendq', argumentsUnknown: null, inPlaceRefused: null,
    });
  });

  it('sends it as a new task with new arguments: it succeeds on the Python worker, the original stays failed, both link the other', async () => {
    const id = await divide(6, 0);
    await until(async () => (await heardState(id)) === 'FAILURE');
    const sent = await ok(room.call('tasks:resend', { id, args: [6, 3], kwargs: {}, mode: 'new' }));
    expect(sent).toMatchObject({ mode: 'new', queue: 'pyresendq' });
    expect(sent.id).not.toBe(id);
    expect(await resultOf(sent.id)).toMatchObject({ state: 'SUCCESS', result: 2 });
    await until(async () => (await heardState(sent.id)) === 'SUCCESS');
    const resent = await page(sent.id);
    expect(resent.history).toMatchObject({ name: 'tasks.divide', args: '(6, 3)', queue: 'pyresendq' });
    expect(resent.history?.worker).toMatch(/^pyresend@/);
    expect(resent.links?.resentFrom).toMatchObject({ from: id, mode: 'new' });
    const original = await page(id);
    expect(original.state).toBe('FAILURE');
    expect(await resultOf(id)).toMatchObject({ state: 'FAILURE', exc_type: 'ZeroDivisionError' });
    expect(original.links?.resentAs.map((l) => l.to)).toEqual([sent.id]);
  });

  it('retries it in place with new arguments: the same id runs again on the Python worker and succeeds', async () => {
    const id = await divide(9, 0);
    await until(async () => (await heardState(id)) === 'FAILURE');
    expect(await ok(room.call('tasks:resend', { id, args: [9, 3], kwargs: {}, mode: 'in-place' }))).toEqual({ id, mode: 'in-place', queue: 'pyresendq' });
    expect(await resultOf(id)).toMatchObject({ state: 'SUCCESS', result: 3 });
    await until(async () => (await heardState(id)) === 'SUCCESS');
    const after = await page(id);
    expect(after.history).toMatchObject({ retries: 1, args: '(9, 3)' });
    expect(after.runs.map((r) => [r.n, r.state])).toEqual([[0, 'FAILURE'], [1, 'SUCCESS']]);
    expect(after.links?.editedInPlace).toHaveLength(1);
  });
});
