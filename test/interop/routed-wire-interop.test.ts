/**
 * A routed deployment that does not use Celery's defaults on the wire either, both ways: Python's
 * app with task_default_queue = 'cvq', task_routes to a direct exchange, msgpack bodies, gzip and
 * msgpack results on database 1, its canvas run on a Celeriac worker configured the same way (each
 * follow-up routed and written as the worker's app says); and Celeriac sending through taskRoutes,
 * an exchange and a routing key, in msgpack and gzip, to a Python worker configured the same way.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import { chain } from '../../src-main/core/canvas/signature.js';
import { pythonCeleryAvailable, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { useRedisSuite, type Suite } from '../helpers/suite.js';

// Read by the task module (routed.ts) in this process and the pool's children, and by pyroutes.py.
process.env.CELERIAC_TEST_WIRE = 'msgpack';

const available = pythonCeleryAvailable();
const ROUTED = fileURLToPath(new URL('../fixtures/tasks/routed.ts', import.meta.url));
const T = { timeout: 20_000 };

describe.runIf(available)('a routed msgpack + gzip deployment, results on db 1, Python and Celeriac', () => {
  let suite: Suite;
  let py: PythonWorker;
  let app: App;
  const pyEnv = (): Record<string, string> => ({ CELERIAC_TEST_BROKER: suite.server.url, CELERIAC_TEST_DEFAULT_QUEUE: 'cvq', CELERIAC_TEST_WIRE: 'msgpack' });
  useRedisSuite((s) => (suite = s), { worker: { module: ROUTED, queues: ['cvq', 'tsq'], concurrency: 2, name: 'ts@routed-wire' } });
  beforeAll(async () => {
    py = await startPythonWorker(suite.server.url, ['rq'], 'py-routed-wire', { app: 'pyroutes', env: pyEnv() });
    const backend = suite.server.url.replace(/\/\d+$/, '/1');
    app = createApp({
      broker: suite.server.url, backend, taskSerializer: 'msgpack', taskCompression: 'gzip', resultSerializer: 'msgpack', accept: ['json', 'msgpack'],
      taskRoutes: { 'tasks.echo': { queue: 'rq', exchange: 'rex', routingKey: 'rk' } },
    });
  }, 40_000);
  afterAll(async () => {
    await py?.stop();
    await app?.close();
  });

  const canvas = async (name: string): Promise<Record<string, unknown>> => JSON.parse(await runPython('pyroutes.py', ['canvas', name], pyEnv()));

  /** Stored results: on database 1 only, in msgpack (a map's first byte, not JSON's `{`). */
  async function resultsOnDb1InMsgpack(): Promise<void> {
    const db1 = suite.server.client().duplicate({ db: 1 });
    try {
      const keys = await db1.keys('celery-task-meta-*');
      expect(keys.length).toBeGreaterThan(0);
      const first = (await db1.getBuffer(keys[0]!))!;
      expect(first[0]! >= 0x80 && first[0]! <= 0x8f || first[0] === 0xde).toBe(true);
      expect(await suite.redis.keys('celery-task-meta-*')).toEqual([]);
    } finally {
      db1.disconnect();
    }
  }

  // Not chain→chord→chain: Celery 5.2.6 itself writes that message's msgpack body wrong (a
  // chord signature's map packed with too few entries: msgpack's ExtraData), and its own worker
  // cannot read it either ("Can't decode message body"). It runs in JSON (routing-interop.test.ts).
  it("runs Python's chain, chord and link on queue cvq to their ends", async () => {
    expect(await canvas('chain')).toMatchObject({ result: 26, middle: 13, first: 3 });
    expect(await canvas('chord')).toEqual({ result: 20 });
    expect(await canvas('link')).toEqual({ result: 3, callback: 3, callback_parent: true });
    expect(await suite.redis.llen('celery')).toBe(0);
    await resultsOnDb1InMsgpack();
  }, 90_000);

  it("routes a chain's next step through the worker's taskRoutes to the Python worker, in the deployment's format", async () => {
    const out = JSON.parse(await runPython('pyroutes.py', ['chain_to_exchange'], pyEnv()));
    expect(out.result).toMatchObject({ args: [3], routing_key: 'rk' });
  }, 40_000);

  it('sends through taskRoutes, an exchange and a routing key, in msgpack and gzip, to the Python worker', async () => {
    const r = await app.sendTask<{ args: unknown[]; routing_key: string }>('tasks.echo', ['routed', { n: 1 }]);
    expect(await r.get(T)).toMatchObject({ args: ['routed', { n: 1 }], routing_key: 'rk' });
    // A chain from Celeriac: its first step on our worker (cvq), the next routed by our worker's app to Python.
    const chained = await chain(app.signature('tasks.add', [2, 3], {}, { queue: 'cvq' }), app.signature('tasks.echo')).applyAsync();
    expect(await chained.get(T)).toMatchObject({ args: [5], routing_key: 'rk' });
    await resultsOnDb1InMsgpack();
  }, 40_000);
});
