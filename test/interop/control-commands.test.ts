/**
 * Celery's own `celery inspect` and `celery control` CLI against a Celeriac worker and a Python
 * worker on one Redis: the Celeriac worker's replies have the Python worker's shapes and texts,
 * and the commands take effect (queues consumed, events sent, limits set).
 */
import { spawn } from 'node:child_process';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import type { Worker } from '../../src-main/core/worker/worker.js';
import { PY_DIR, PYTHON, pythonCeleryAvailable, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { startWorker } from '../helpers/worker.js';
import { until } from '../helpers/until.js';

const available = pythonCeleryAvailable();
const TS = 'ts@control';
const ONLY = 'ts-only';

/** `celery -A pyapp <inspect|control> <args> --json -d <node>`: the replies of that node, parsed. */
function celeryCli(brokerUrl: string, args: string[], node: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, ['-m', 'celery', '-A', 'pyapp', ...args, '--json', '-t', '2', '-d', node], { cwd: PY_DIR, env: { ...process.env, CELERIAC_TEST_BROKER: brokerUrl } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      const line = out.trim().split('\n').find((l) => l.startsWith('{') || l.startsWith('['));
      if (!line) return reject(new Error(`celery ${args.join(' ')} -d ${node} gave no JSON (exit ${code}):\n${err}${out}`));
      const replies = JSON.parse(line) as Record<string, unknown> | Array<Record<string, unknown>>;
      // inspect prints {node: reply}; control prints [{node: reply}].
      const merged = Array.isArray(replies) ? Object.assign({}, ...replies) : replies;
      resolve((merged as Record<string, unknown>)[node]);
    });
  });
}

/** The shape of a value: its type, and for objects the shapes of their keys. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? 'array' : ['array of', shape(v[0])];
  if (v === null) return 'null';
  if (typeof v === 'object') return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, shape((v as Record<string, unknown>)[k])]));
  return typeof v;
}

describe.runIf(available)('celery inspect / control against a Celeriac worker, beside a Python one', () => {
  let server: RedisServer;
  let redis: Redis;
  let app: App;
  let worker: Worker;
  let py: PythonWorker;
  let pyNode: string;
  useRedisSuite((s) => ({ server, redis, app } = s));
  beforeAll(async () => {
    // ONLY: a queue the Python worker does not consume (it shares `celery`, and knows fewer tasks).
    worker = await startWorker(server.url, { concurrency: 1, name: TS, queues: ['celery', ONLY] });
    py = await startPythonWorker(server.url, ['celery'], 'pyctl');
    pyNode = /pyctl@[^\s:]+/.exec(py.log())?.[0] ?? 'pyctl@unknown';
  });
  afterAll(async () => {
    await py?.stop();
    await worker?.stop();
  });
  const both = (args: string[]) => Promise.all([celeryCli(server.url, args, TS), celeryCli(server.url, args, pyNode)]);

  it('inspect clock, conf and report: the shapes of Python\'s replies', async () => {
    const [tsClock, pyClock] = await both(['inspect', 'clock']);
    expect(shape(tsClock)).toEqual(shape(pyClock));
    expect(tsClock).toEqual({ clock: expect.any(Number) });

    const [tsConf, pyConf] = await both(['inspect', 'conf']);
    expect(typeof tsConf).toBe(typeof pyConf);
    expect(tsConf).toMatchObject({ broker_url: expect.stringMatching(/^redis:\/\//), result_backend: expect.any(String), include: expect.any(Array) });
    expect(pyConf).toMatchObject({ broker_url: expect.any(String) });

    // A method it does not have: kombu's KeyError, where Python's has its own error.
    const [tsObjgraph, pyObjgraph] = await both(['inspect', 'objgraph']);
    expect(tsObjgraph).toEqual({ error: "KeyError('objgraph')" });
    expect(shape(tsObjgraph)).toEqual(shape(pyObjgraph));

    const [tsReport, pyReport] = await both(['inspect', 'report']);
    expect(shape(tsReport)).toEqual(shape(pyReport));
    expect((tsReport as { ok: string }).ok).toMatch(/software -> celeriac:/);
  });

  it('inspect query_task: the running task, as Python lists its own', async () => {
    const running = await app.sendTask('tasks.sleep', [1500], {}, { queue: ONLY });
    await until(async () => (await app.asyncResult(running.id).state()) !== 'PENDING' || (await redis.hlen('unacked')) > 0);
    await new Promise((r) => setTimeout(r, 300));
    const reply = (await celeryCli(server.url, ['inspect', 'query_task', running.id], TS)) as Record<string, [string, Record<string, unknown>]>;
    expect(reply[running.id]?.[0]).toBe('active');
    expect(reply[running.id]?.[1]).toMatchObject({ id: running.id, name: 'tasks.sleep' });
    expect(await celeryCli(server.url, ['inspect', 'query_task', 'no-such-id'], TS)).toEqual({});
    await running.get({ timeout: 10_000 });
  });

  it('control time_limit: Python\'s reply texts, and the limit in force', async () => {
    // A task both workers know, then one neither knows.
    const [ts, pyReply] = await both(['control', 'time_limit', 'tasks.add', '5', '10']);
    expect(ts).toEqual(pyReply);
    expect(ts).toEqual({ ok: 'time limits set successfully' });
    const [unknown, pyUnknown] = await both(['control', 'time_limit', 'no.such.task', '1']);
    expect(unknown).toEqual(pyUnknown);
    expect(unknown).toEqual({ error: 'unknown task' });
    // No soft limit (0), a hard one of 0.5 s: the child is killed under it.
    expect(await celeryCli(server.url, ['control', 'time_limit', 'tasks.sleep', '0', '0.5'], TS)).toEqual({ ok: 'time limits set successfully' });
    const r = await app.sendTask('tasks.sleep', [2000], {}, { queue: ONLY });
    await expect(r.get({ timeout: 10_000 })).rejects.toMatchObject({ name: 'TimeLimitExceeded' });
  });

  it('control rate_limit: Python\'s reply texts, inspect registered shows it, and the spacing holds', async () => {
    const [set, pySet] = await both(['control', 'rate_limit', 'tasks.add', '10/m']);
    expect(set).toEqual(pySet);
    expect(set).toEqual({ ok: 'new rate limit set successfully' });
    const [bad, pyBad] = await both(['control', 'rate_limit', 'tasks.add', 'x']);
    expect(bad).toEqual(pyBad);
    const [unknown, pyUnknown] = await both(['control', 'rate_limit', 'no.such.task', '1/s']);
    expect(unknown).toEqual(pyUnknown);
    const [registered, pyRegistered] = await both(['inspect', 'registered']);
    expect(registered).toContain('tasks.add [rate_limit=10/m]');
    expect(pyRegistered).toContain('tasks.add [rate_limit=10/m]');
    const [off, pyOff] = await both(['control', 'rate_limit', 'tasks.add', '0']);
    expect(off).toEqual(pyOff);
    // Set by Python's CLI on the Celeriac worker only: 2/s spaces its runs 500 ms apart.
    expect(await celeryCli(server.url, ['control', 'rate_limit', 'tasks.limited', '2/s'], TS)).toEqual({ ok: 'new rate limit set successfully' });
    const list = uniqueName('spaced');
    const runs = await Promise.all([1, 2, 3, 4].map(() => app.sendTask('tasks.limited', [list], {}, { queue: ONLY })));
    for (const r of runs) await r.get({ timeout: 10_000 });
    const times = (await app.broker.lrange(list, 0, -1)).map(Number).sort((x, y) => x - y);
    for (let i = 2; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(490);
  });

  it('control add_consumer / cancel_consumer: Python\'s texts, and the queue really consumed, then not', async () => {
    const queue = uniqueName('added');
    const [added, pyAdded] = await both(['control', 'add_consumer', queue]);
    expect(added).toEqual({ ok: `add consumer ${queue}` });
    expect(shape(added)).toEqual(shape(pyAdded));
    await until(async () => ((await celeryCli(server.url, ['inspect', 'active_queues'], TS)) as Array<{ name: string }>).some((q) => q.name === queue));
    // The Python worker consumes it too now: cancel it there, so only the Celeriac one serves it.
    await celeryCli(server.url, ['control', 'cancel_consumer', queue], pyNode);
    const r = await app.sendTask('tasks.echo', ['hello'], {}, { queue });
    expect(await r.info().then(() => r.get({ timeout: 10_000 }))).toMatchObject({ args: ['hello'] });
    expect((await app.asyncResult(r.id).info()).worker).toBe(TS);

    const cancelled = await celeryCli(server.url, ['control', 'cancel_consumer', queue], TS);
    expect(cancelled).toEqual({ ok: `no longer consuming from ${queue}` });
    await until(async () => !((await celeryCli(server.url, ['inspect', 'active_queues'], TS)) as Array<{ name: string }>).some((q) => q.name === queue));
    await app.sendTask('tasks.echo', ['unserved'], {}, { queue });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await app.queueLength(queue)).toBe(1);
  });

  it('control enable_events / disable_events: Python\'s texts, and task events sent from then on', async () => {
    // The texts a Python worker replies (Celery's worker/control.py, captured with events on; this test's
    // Python worker runs --without-heartbeat, which has no event dispatcher to toggle).
    expect(await celeryCli(server.url, ['control', 'disable_events'], TS)).toEqual({ ok: 'task events already disabled' });
    const enabled = await celeryCli(server.url, ['control', 'enable_events'], TS);
    expect(enabled).toEqual({ ok: 'task events enabled' });
    expect(await celeryCli(server.url, ['control', 'enable_events'], TS)).toEqual({ ok: 'task events already enabled' });

    const sub = server.client();
    const seen: string[] = [];
    sub.on('pmessage', (_p: string, channel: string) => seen.push(channel));
    await sub.psubscribe('/0.celeryev/task.*');
    const r = await app.sendTask('tasks.add', [1, 2], {}, { queue: ONLY });
    await r.get({ timeout: 10_000 });
    await until(() => seen.includes('/0.celeryev/task.multi'));
    await sub.punsubscribe();
  });

  it('control pool_grow / pool_shrink / autoscale / pool_restart: ok or Python\'s exact error text', async () => {
    expect(await celeryCli(server.url, ['control', 'pool_grow', '1'], TS)).toEqual({ ok: 'pool will grow' });
    await until(async () => ((await celeryCli(server.url, ['inspect', 'stats'], TS)) as { pool: { 'max-concurrency': number } }).pool['max-concurrency'] === 2);
    expect(await celeryCli(server.url, ['control', 'pool_shrink', '1'], TS)).toEqual({ ok: 'pool will shrink' });
    const [autoscale, pyAutoscale] = await both(['control', 'autoscale', '4', '1']);
    expect(autoscale).toEqual({ error: "ValueError('Autoscale not enabled')" });
    expect(shape(autoscale)).toEqual(shape(pyAutoscale));
    expect(await celeryCli(server.url, ['control', 'pool_restart'], TS)).toEqual({ error: "ValueError('Pool restarts not enabled')" });
    // Still runs tasks after all that.
    expect(await (await app.sendTask('tasks.add', [2, 2], {}, { queue: ONLY })).get({ timeout: 10_000 })).toBe(4);
  });
});
