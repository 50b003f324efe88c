/**
 * A routed deployment both ways. Python's canvas sent with task_default_queue = 'cvq' runs on a
 * Celeriac worker of `-Q cvq` whose app says defaultQueue 'cvq': every follow-up goes where the
 * worker's app routes it. Celeriac sends through taskRoutes and through exchange + routingKey to
 * a Python worker whose queue is bound to a direct exchange under another routing key.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import { pythonCeleryAvailable, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { useRedisSuite, type Suite } from '../helpers/suite.js';

const available = pythonCeleryAvailable();
const ROUTED = fileURLToPath(new URL('../fixtures/tasks/routed.ts', import.meta.url));
const T = { timeout: 20_000 };

describe.runIf(available)('a routed deployment, Python and Celeriac', () => {
  let suite: Suite;
  let py: PythonWorker;
  let app: App;
  useRedisSuite((s) => (suite = s), { worker: { module: ROUTED, queues: ['cvq', 'tsq'], concurrency: 2, name: 'ts@routed' } });
  beforeAll(async () => {
    // Consuming rq declares its binding: _kombu.binding.rex holds rk -> rq.
    py = await startPythonWorker(suite.server.url, ['rq'], 'py-routed', { app: 'pyroutes' });
    app = createApp({ broker: suite.server.url, taskRoutes: { 'tasks.echo': { queue: 'rq', exchange: 'rex', routingKey: 'rk' } } });
  }, 40_000);
  afterAll(async () => {
    await py?.stop();
    await app?.close();
  });

  const canvas = async (name: string): Promise<Record<string, unknown>> =>
    JSON.parse(await runPython('pyroutes.py', ['canvas', name], { CELERIAC_TEST_BROKER: suite.server.url, CELERIAC_TEST_DEFAULT_QUEUE: 'cvq' }));

  it("runs Python's chain on queue cvq to its end: each next step routed by the worker's app", async () => {
    expect(await canvas('chain')).toMatchObject({ result: 26, middle: 13, first: 3 });
    // Nothing went to Celery's default queue, where nobody consumes.
    expect(await suite.redis.llen('celery')).toBe(0);
  }, 40_000);

  it("completes Python's chord on queue cvq", async () => {
    expect(await canvas('chord')).toEqual({ result: 20 });
  }, 40_000);

  it("sends Python's link on queue cvq", async () => {
    expect(await canvas('link')).toEqual({ result: 3, callback: 3, callback_parent: true });
  }, 40_000);

  it("runs Python's chain through a chord into a chain on queue cvq", async () => {
    expect(await canvas('chain_chord_chain')).toEqual({ result: 12 });
    expect(await suite.redis.llen('celery')).toBe(0);
  }, 40_000);

  it("routes a chain's next step through the worker's taskRoutes: a direct exchange to a Python worker", async () => {
    const out = JSON.parse(await runPython('pyroutes.py', ['chain_to_exchange'], { CELERIAC_TEST_BROKER: suite.server.url, CELERIAC_TEST_DEFAULT_QUEUE: 'cvq' }));
    expect(out.result).toMatchObject({ args: [3], routing_key: 'rk' });
  }, 40_000);

  it('sends through taskRoutes to a queue bound to a direct exchange with a routing key', async () => {
    const r = await app.sendTask<{ args: unknown[]; routing_key: string }>('tasks.echo', ['routed']);
    expect(await r.get(T)).toMatchObject({ args: ['routed'], routing_key: 'rk' });
  });

  it('sends through explicit exchange and routingKey', async () => {
    const plain = createApp({ broker: suite.server.url });
    try {
      const r = await plain.sendTask<{ args: unknown[]; routing_key: string }>('tasks.echo', ['explicit'], {}, { exchange: 'rex', routingKey: 'rk' });
      expect(await r.get(T)).toMatchObject({ args: ['explicit'], routing_key: 'rk' });
    } finally {
      await plain.close();
    }
  });

  it("binds the queues its app declares as it starts consuming: Python's and Celeriac's sends to that exchange reach it", async () => {
    expect(await suite.redis.smembers('_kombu.binding.tex')).toEqual(['tk\x06\x16\x06\x16tsq']);
    const out = JSON.parse(await runPython('pyroutes.py', ['send_exchange'], { CELERIAC_TEST_BROKER: suite.server.url, CELERIAC_TEST_DEFAULT_QUEUE: 'cvq' }));
    expect(out).toEqual({ result: 5 });
    const r = await app.sendTask<number>('tasks.add', [20, 1], {}, { exchange: 'tex', routingKey: 'tk' });
    expect(await r.get(T)).toBe(21);
  }, 40_000);

  it('sends a retry back through the exchange and routing key its message came by', async () => {
    const r = await app.sendTask<number>('tasks.retry_once', [], {}, { exchange: 'tex', routingKey: 'tk' });
    expect(await r.get(T)).toBe(1);
  });

  it('refuses to send to an exchange no queue is bound to with that key, naming the binding table', async () => {
    await expect(app.sendTask('tasks.echo', [], {}, { exchange: 'rex', routingKey: 'nobody' })).rejects.toThrow(/no queue is bound to the direct exchange "rex" with routing key "nobody" \(_kombu\.binding\.rex\)/);
  });
});
