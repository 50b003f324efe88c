/**
 * Retrying a Python failure from the control room. The Python worker runs as a Celery shop's
 * would: started without -E (the room's enable_events casts turn its task events on), on a
 * queue of its own. tasks.flaky fails until a Redis key is set; once the test sets it, a retry
 * from the room must run again on the Python worker, under the same id, on the same queue.
 *
 * With Celery's defaults (no result_extended) the message is rebuilt from the task events'
 * argsrepr; with result_extended from the stored result. The tasks whose arguments cannot be
 * known (a repr Celery cut, an argument that is not a literal) are refused with their reasons,
 * and so are those a retry under the same id would not run (revoked: the worker drops the id)
 * or would run without continuing their workflow (a chain step rebuilt without its links).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { ok } from '../helpers/contract.js';
import { pythonCeleryAvailable, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

describe.runIf(pythonCeleryAvailable())('retrying Python failures from the control room', () => {
  let server: RedisServer;
  let plain: PythonWorker;
  let extended: PythonWorker;
  let room: ControlRoom;
  let redis: Redis;
  const env = () => ({ CELERIAC_TEST_BROKER: server.url });
  const send = async (key: string, variant: 'plain' | 'long' | 'object' | 'later' | 'chained', queue: string): Promise<string> =>
    (JSON.parse(await runPython('pyretry.py', ['send', key, variant, queue], env())) as { id: string }).id;
  const stateOf = async (id: string): Promise<string | undefined> => (await ok(room.call('tasks:get', { id }))).history?.state;
  /** Its state once the worker's events about it were heard (a stored result alone says no name, no worker). */
  const heardState = async (id: string): Promise<string | undefined> => {
    const h = (await ok(room.call('tasks:get', { id }))).history;
    return h?.name && h.worker ? h.state : undefined;
  };
  const runsOf = async (key: string): Promise<Array<{ worker: string; retries: number }>> =>
    (await redis.lrange(`${key}:runs`, 0, -1)).map((r) => JSON.parse(r) as { worker: string; retries: number });
  const resultOf = async (id: string): Promise<{ state: string; result: { value: string; rest: number[]; kwargs: string[]; retries: number; routing_key: string } }> =>
    JSON.parse(await runPython('pyclient.py', ['get', id, '20'], env())) as never;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
    // Celery's defaults on one queue; result_extended on another. Heartbeats on, as by default: a
    // worker with neither events, heartbeats nor gossip has no event dispatcher to turn on.
    plain = await startPythonWorker(server.url, ['pyretry'], 'pyplain', { heartbeat: true, env: { CELERIAC_TEST_RESULT_EXTENDED: '0' } });
    extended = await startPythonWorker(server.url, ['pyext'], 'pyext', { heartbeat: true, env: { CELERIAC_TEST_RESULT_EXTENDED: '1' } });
    room = new ControlRoom({ dataDir: mkdtempSync(join(tmpdir(), 'celeriac-retry-py-')), local: false, initial: { url: server.url, hostPool: false } });
    expect((await room.start()).state).toBe('connected');
    // The workers' task events are on once the room's cast reached them: send until one is heard.
    for (const queue of ['pyretry', 'pyext']) {
      await until(async () => {
        const id = (JSON.parse(await runPython('pyclient.py', ['call', 'tasks.add', '[1, 2]', queue], env())) as { id: string }).id;
        return (await heardState(id)) === 'SUCCESS';
      }, 30_000);
    }
  }, 90_000);
  afterAll(async () => {
    await room?.stop();
    await plain?.stop();
    await extended?.stop();
    redis?.disconnect();
    await server?.stop();
  });

  it('rebuilds a failure from its events and runs it again on the Python worker, by id', async () => {
    const key = `retry-by-id-${Date.now()}`;
    const id = await send(key, 'plain', 'pyretry');
    await until(async () => (await heardState(id)) === 'FAILURE');
    // Celery's defaults: no extended result to rebuild from, only the events.
    expect(await redis.get(`celery-task-meta-${id}`)).not.toContain('"args"');

    const preview = await ok(room.call('tasks:retryPreview', { ids: [id] }));
    expect(preview, JSON.stringify(preview.errors)).toMatchObject({ sendable: 1, notSendable: 0, from: { events: 1 } });
    const page = await ok(room.call('tasks:get', { id }));
    expect(page.history).toMatchObject({ name: 'tasks.flaky', args: `('${key}', 'x', 1)`, kwargs: "{'n': None}" });

    await redis.set(key, 'now set');
    expect(await ok(room.call('tasks:retry', { ids: [id] }))).toMatchObject({ retried: [id], notSent: 0, errors: [] });
    const done = await resultOf(id);
    // The same id, retries + 1, the same queue, the same arguments (kwargs included).
    expect(done).toMatchObject({ state: 'SUCCESS', result: { value: 'now set', rest: [1, 1], kwargs: ['n'], retries: 1, routing_key: 'pyretry' } });
    const runs = await runsOf(key);
    expect(runs.map((r) => r.retries)).toEqual([0, 1]);
    expect(runs.every((r) => r.worker.startsWith('pyplain@'))).toBe(true);
    // Its page lists both attempts: the failure, then the run the room sent.
    await until(async () => (await stateOf(id)) === 'SUCCESS');
    const after = await ok(room.call('tasks:get', { id }));
    expect(after.runs?.map((r) => [r.n, r.state])).toEqual([[0, 'FAILURE'], [1, 'SUCCESS']]);
  });

  it('sends again from its kept message a task the room sent that failed on the Python worker, and it runs there', async () => {
    const key = `retry-sent-by-room-${Date.now()}`;
    const { id } = await ok(room.call('tasks:submit', { name: 'tasks.flaky', args: [key, 'z'], kwargs: {}, queue: 'pyretry' }));
    await until(async () => (await heardState(id)) === 'FAILURE');
    expect(await ok(room.call('tasks:retryPreview', { ids: [id] }))).toMatchObject({ sendable: 1, from: { message: 1 } });
    await redis.set(key, 'sent by the room');
    expect((await ok(room.call('tasks:retry', { ids: [id] }))).retried).toEqual([id]);
    expect(await resultOf(id)).toMatchObject({ state: 'SUCCESS', result: { value: 'sent by the room', rest: [1], retries: 1, routing_key: 'pyretry' } });
    expect((await runsOf(key)).map((r) => [r.worker.split('@')[0], r.retries])).toEqual([['pyplain', 0], ['pyplain', 1]]);
  });

  it('"Retry all" on a failure group says first what it can send and why not the rest, then sends those', async () => {
    const key = `retry-group-${Date.now()}`;
    const sendable = [await send(key, 'plain', 'pyretry'), await send(key, 'plain', 'pyretry')];
    const cut = await send(key, 'long', 'pyretry');
    const object = await send(key, 'object', 'pyretry');
    for (const id of [...sendable, cut, object]) await until(async () => (await heardState(id)) === 'FAILURE');
    const group = (await ok(room.call('failures:groups', {}))).groups.find((g) => g.name === 'tasks.flaky' && g.tasks.some((t) => t.id === cut))!;
    expect(group.tasks.filter((t) => t.state === 'FAILURE').map((t) => t.id).sort()).toEqual([...sendable, cut, object].sort());

    const preview = await ok(room.call('failures:retryPreview', { key: group.key }));
    expect(preview).toMatchObject({ sendable: 2, notSendable: 2, from: { events: 2 } });
    expect(preview.reasons.map((r) => [r.code, r.ids]).sort()).toEqual([['arguments_cut', [cut]], ['not_literal', [object]]]);
    const why = Object.fromEntries(preview.errors.map((e) => [e.id, e.message]));
    expect(why[cut]).toMatch(/cut its args repr at 1024 characters/);
    expect(why[object]).toMatch(/datetime\.datetime\(2026, 1, 2, 3, 4, 5\) is not a literal/);

    await redis.set(key, 'group set');
    const outcome = await ok(room.call('failures:retryGroup', { key: group.key }));
    expect(outcome.retried.sort()).toEqual([...sendable].sort());
    expect(outcome.notSent).toBe(2);
    expect(outcome.errors.map((e) => [e.id, e.code]).sort()).toEqual([[cut, 'arguments_cut'], [object, 'not_literal']].sort());
    for (const id of sendable) expect(await resultOf(id)).toMatchObject({ state: 'SUCCESS', result: { value: 'group set', retries: 1, routing_key: 'pyretry' } });
    // The refused ones were not sent: still failed, run once.
    expect(await stateOf(cut)).toBe('FAILURE');
    expect((await runsOf(key)).length).toBe(4 + 2);
  });

  it('rebuilds from the extended result first: the whole arguments, where the events kept a cut repr', async () => {
    const key = `retry-extended-${Date.now()}`;
    const id = await send(key, 'long', 'pyext');
    await until(async () => (await heardState(id)) === 'FAILURE');
    const meta = JSON.parse((await redis.get(`celery-task-meta-${id}`))!) as { args: unknown[]; queue: string };
    expect(meta).toMatchObject({ queue: 'pyext' });
    expect((meta.args[1] as string).length).toBe(3000);

    expect(await ok(room.call('tasks:retryPreview', { ids: [id] }))).toMatchObject({ sendable: 1, from: { resultMeta: 1 } });
    await redis.set(key, 'extended set');
    expect((await ok(room.call('tasks:retry', { ids: [id] }))).retried).toEqual([id]);
    expect(await resultOf(id)).toMatchObject({ state: 'SUCCESS', result: { value: 'extended set', rest: [3000], retries: 1, routing_key: 'pyext' } });
    expect((await runsOf(key)).map((r) => [r.worker.split('@')[0], r.retries])).toEqual([['pyext', 0], ['pyext', 1]]);
  });

  it('refuses a revoked task, whose id the Python worker drops: sent under it again it would never run', async () => {
    const key = `retry-revoked-${Date.now()}`;
    const id = await send(key, 'later', 'pyretry');
    await until(async () => (await heardState(id)) !== undefined);
    await ok(room.call('tasks:revoke', { ids: [id] }));
    // Its countdown ends on the worker, which finds it revoked.
    await until(async () => (await heardState(id)) === 'REVOKED', 20_000);

    const preview = await ok(room.call('tasks:retryPreview', { ids: [id] }));
    expect(preview).toMatchObject({ sendable: 0, notSendable: 1, reasons: [{ code: 'revoked', label: 'revoked: workers drop its id; send it as a new task' }] });
    await redis.set(key, 'set, yet revoked');
    expect(await ok(room.call('tasks:retry', { ids: [id] }))).toMatchObject({ retried: [], notSent: 1, errors: [{ id, code: 'revoked' }] });

    // Why: the same message under its id, sent anyway, is dropped by the worker, not run.
    await redis.del(`celery-task-meta-${id}`);
    const producer = createApp({ broker: server.url });
    try {
      await producer.sendTask('tasks.flaky', [key, 'x', 1], { n: null }, { taskId: id, queue: 'pyretry', retries: 1 });
    } finally {
      await producer.close();
    }
    expect(await resultOf(id)).toMatchObject({ state: 'REVOKED' });
    expect(await runsOf(key)).toEqual([]);
  });

  it('refuses a chain step rebuilt from its events: its links were not kept, so a retry would not continue the chain', async () => {
    const key = `retry-chained-${Date.now()}`;
    const id = await send(key, 'chained', 'pyretry');
    await until(async () => (await heardState(id)) === 'FAILURE');
    const parent = (await ok(room.call('tasks:get', { id }))).history?.parent_id;
    expect(parent).toBeTruthy();

    const preview = await ok(room.call('tasks:retryPreview', { ids: [id] }));
    expect(preview).toMatchObject({ sendable: 0, notSendable: 1, reasons: [{ code: 'workflow', label: 'part of a workflow: its links were not kept, so a retry would not continue it' }] });
    expect(preview.errors[0]?.message).toMatch(new RegExp(`part of a workflow \\(sent after ${parent}\\)`));
    expect(await ok(room.call('tasks:retry', { ids: [id] }))).toMatchObject({ retried: [], notSent: 1, errors: [{ id, code: 'workflow' }] });
    expect((await runsOf(key)).length).toBe(1);
  });
});
