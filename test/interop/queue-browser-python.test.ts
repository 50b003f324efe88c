/**
 * The queue browser on a Python deployment: messages Python sent with apply_async (a priority,
 * a queue routed through a direct exchange, msgpack with gzip) are listed by priority step and
 * decoded, and one the room moves to another queue is run there by a Python worker, which reads
 * the queue it came from in its delivery_info.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { ok } from '../helpers/contract.js';
import { pythonCeleryAvailable, runPython, startPythonWorker } from '../helpers/python.js';
import { useRedisSuite, type Suite } from '../helpers/suite.js';

const available = pythonCeleryAvailable();

describe.runIf(available)('the queue browser on Python-sent messages', () => {
  let suite: Suite;
  let svc: ConnectionService;
  useRedisSuite((s) => (suite = s));
  beforeAll(async () => {
    svc = new ConnectionService(suite.app);
    await svc.start();
  });
  afterAll(() => svc?.stop());
  const send = async (priority: number, args: unknown[]): Promise<string> =>
    (JSON.parse(await runPython('pyqueues.py', ['send', String(priority), JSON.stringify(args)], { CELERIAC_TEST_BROKER: suite.server.url })) as { id: string }).id;

  it('lists them decoded by priority step, and a Python worker runs the one moved to its queue', async () => {
    const low = await send(0, ['low']);
    const high = await send(9, ['high', 9]);
    const mid = await send(5, ['mid', { n: 5 }]);
    const page = await ok(svc.call('queues:browse', { queue: 'rq' }));
    expect(page.steps).toEqual([{ step: 0, count: 1 }, { step: 3, count: 1 }, { step: 6, count: 0 }, { step: 9, count: 1 }]);
    expect(page.messages.map((m) => [m.id, m.task, m.args, m.priority, m.step, m.contentType, m.compression, m.problem])).toEqual([
      [low, 'tasks.echo', '["low"]', 0, 0, 'application/x-msgpack', 'application/x-gzip', null],
      [mid, 'tasks.echo', '["mid",{"n":5}]', 5, 3, 'application/x-msgpack', 'application/x-gzip', null],
      [high, 'tasks.echo', '["high",9]', 9, 9, 'application/x-msgpack', 'application/x-gzip', null],
    ]);
    expect(page.messages[1]!.origin).toMatch(/^gen\d+@/);
    const whole = await ok(svc.call('queues:message', { queue: 'rq', key: page.messages[1]!.key, position: 1 }));
    expect(JSON.parse(whole.pretty)).toMatchObject({ body: [['mid', { n: 5 }], {}, expect.any(Object)], properties: { delivery_info: { exchange: 'rex', routing_key: 'rk' } } });

    const moved = await ok(svc.call('queues:moveMessage', { queue: 'rq', key: page.messages[1]!.key, position: 1, to: 'pymoved' }));
    expect(moved).toMatchObject({ queue: 'pymoved', step: 3 });
    expect((await ok(svc.call('queues:browse', { queue: 'rq' }))).messages.map((m) => m.id)).toEqual([low, high]);
    const python = await startPythonWorker(suite.server.url, ['pymoved'], 'pymove', { app: 'pyroutes' });
    try {
      const ran = (await suite.app.asyncResult(mid).get({ timeout: 30_000 })) as { args: unknown[]; routing_key: string };
      expect(ran).toMatchObject({ args: ['mid', { n: 5 }], routing_key: 'pymoved' });
    } finally {
      await python.stop();
    }
    // The rest stay where they were: the worker consumes only the queue the message went to.
    expect(await suite.redis.llen('rq') + (await suite.redis.llen('rq\x06\x169'))).toBe(2);
  });
});
