/**
 * The control room on the Redis of a Python Celery deployment: a Python worker started
 * without -E is listed from its heartbeats, with its inspect detail and the queues it
 * consumes; its controls answer as Flower reads them; and the control room's enable_events
 * casts make it send task events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import type { WorkerInfo } from '../../src-main/service/contract/index.js';
import { pythonCeleryAvailable, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

const available = pythonCeleryAvailable();

describe.runIf(available)('the cluster of a Python Celery deployment', () => {
  let server: RedisServer;
  let app: App;
  let py: PythonWorker;
  let service: ConnectionService;
  let node: string;
  const queue = uniqueName('pyq');
  useRedisSuite((s) => ({ server, app } = s), { app: { taskRecords: true } });
  beforeAll(async () => {
    py = await startPythonWorker(server.url, [queue], 'pycluster', { heartbeat: true });
    node = /pycluster@[^\s:]+/.exec(py.log())?.[0] ?? 'pycluster@unknown';
    service = new ConnectionService(app);
    await service.start();
  });
  afterAll(async () => {
    await service?.stop();
    await py?.stop();
  });
  const call = async <T>(method: string, input: unknown): Promise<T> => {
    const r = await service.call(method, input);
    if (!r.ok) throw new Error(r.error.message);
    return r.value as T;
  };

  it('lists the Python worker from its heartbeats: software, version, pid, online, its queues', async () => {
    let mine: WorkerInfo | undefined;
    await until(async () => {
      mine = (await call<WorkerInfo[]>('workers:list', {})).find((w) => w.name === node);
      return mine?.queues.includes(queue) === true;
    }, 20_000);
    expect(mine).toMatchObject({ online: true, software: 'py-celery', version: expect.stringMatching(/^5\./), pid: expect.any(Number), concurrency: 1 });
  });

  it("shows its inspect detail, as Flower's worker page does", async () => {
    const detail = await call<Record<string, unknown>>('workers:inspect', { name: node });
    expect(detail.stats).toMatchObject({ pid: expect.any(Number), pool: { 'max-concurrency': 1 }, broker: { transport: 'redis' } });
    expect(detail.registered).toEqual(expect.arrayContaining(['tasks.add']));
    expect(detail.active_queues).toEqual([expect.objectContaining({ name: queue })]);
    expect(detail.active).toEqual([]);
    expect(detail.conf).toMatchObject({ broker_url: expect.any(String) });
  });

  it('sends it controls and shows the replies as they came', async () => {
    const extra = uniqueName('extra');
    expect(await call('workers:control', { name: node, command: 'add_consumer', args: { queue: extra } })).toEqual({ reply: { ok: `add consumer ${extra}` } });
    expect(await call('workers:control', { name: node, command: 'cancel_consumer', args: { queue: extra } })).toEqual({ reply: { ok: `no longer consuming from ${extra}` } });
    expect(await call('workers:control', { name: node, command: 'autoscale', args: { max: 2, min: 1 } })).toEqual({ reply: { error: "ValueError('Autoscale not enabled')" } });
    expect(await call('workers:control', { name: 'nobody@nowhere', command: 'pool_grow', args: { n: 1 } })).toEqual({ reply: { error: 'no reply from nobody@nowhere within 1 s' } });
  });

  it("lists the queues a control changed (a routed queue added, then cancelled): the worker is asked again", async () => {
    const more = uniqueName('more');
    const queuesOf = async (): Promise<string[]> => (await call<WorkerInfo[]>('workers:list', {})).find((w) => w.name === node)?.queues ?? [];
    expect(await call('workers:control', { name: node, command: 'add_consumer', args: { queue: more } })).toEqual({ reply: { ok: `add consumer ${more}` } });
    await until(async () => (await queuesOf()).includes(more), 20_000);
    expect(await queuesOf()).toEqual(expect.arrayContaining([queue, more]));
    expect(await call('workers:control', { name: node, command: 'cancel_consumer', args: { queue: more } })).toEqual({ reply: { ok: `no longer consuming from ${more}` } });
    await until(async () => !(await queuesOf()).includes(more), 20_000);
    expect(await queuesOf()).toEqual([queue]);
  });

  it('makes the worker, started without -E, send task events (the enable_events cast)', async () => {
    const sub = server.client();
    const types: string[] = [];
    sub.on('pmessage', (_p: string, _c: string, message: string) => {
      const env = JSON.parse(message) as { body: string };
      const body = JSON.parse(Buffer.from(env.body, 'base64').toString()) as { type?: string } | Array<{ type: string }>;
      for (const e of Array.isArray(body) ? body : [body]) if (e.type) types.push(e.type);
    });
    await sub.psubscribe('/0.celeryev/task.*');
    await until(async () => {
      const r = await app.sendTask('tasks.add', [2, 3], {}, { queue });
      await r.get({ timeout: 10_000 });
      return types.includes('task-succeeded');
    }, 20_000);
    expect(types).toEqual(expect.arrayContaining(['task-received', 'task-started', 'task-succeeded']));
    await sub.punsubscribe();
  });
});
