/** Pausing a queue a Python worker consumes: it is sent cancel_consumer (messages wait), and add_consumer on resume. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { ok } from '../helpers/contract.js';
import { pythonCeleryAvailable, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { useRedisSuite, type Suite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

const available = pythonCeleryAvailable();

describe.runIf(available)('pausing a queue a Python worker consumes', () => {
  let suite: Suite;
  let python: PythonWorker;
  let svc: ConnectionService;
  useRedisSuite((s) => (suite = s));
  beforeAll(async () => {
    python = await startPythonWorker(suite.server.url, ['pyq'], 'pypause', { heartbeat: true });
    svc = new ConnectionService(suite.app);
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await python?.stop();
  });
  const env = () => ({ CELERIAC_TEST_BROKER: suite.server.url });

  it('stops the Python worker consuming it, and starts it again on resume', async () => {
    // The control room learns the worker's queues from inspect active_queues.
    await until(async () => (await ok(svc.call('workers:list', {}))).some((w) => w.name.startsWith('pypause@') && w.queues.includes('pyq')), 20_000);
    const paused = await ok(svc.call('queues:pause', { queue: 'pyq' }));
    expect(paused.told).toEqual([expect.stringMatching(/^pypause@/)]);
    expect((await ok(svc.call('queues:list', {}))).find((q) => q.name === 'pyq')).toMatchObject({ paused: true });
    // The Workers view follows: the worker is asked its queues again.
    const listsPyq = async (): Promise<boolean> => (await ok(svc.call('workers:list', {}))).some((w) => w.name.startsWith('pypause@') && w.queues.includes('pyq'));
    await until(async () => !(await listsPyq()), 20_000);
    const sent = JSON.parse(await runPython('pyclient.py', ['enqueue', 'tasks.add', '[3, 4]', 'pyq'], env())) as { id: string };
    await new Promise((r) => setTimeout(r, 1500));
    expect(await suite.redis.llen('pyq')).toBe(1);
    expect(await ok(svc.call('queues:resume', { queue: 'pyq' }))).toMatchObject({ told: paused.told });
    await until(listsPyq, 20_000);
    expect(await suite.app.asyncResult(sent.id).get({ timeout: 15_000 })).toBe(7);
  });
});
