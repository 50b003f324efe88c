/** What a Python worker holds (a task with acks_late running): listed with the worker as its owner and a claim age. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeldByWorkersPage } from '../../src-main/service/contract/index.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { ok } from '../helpers/contract.js';
import { pythonCeleryAvailable, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { useRedisSuite, type Suite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

const available = pythonCeleryAvailable();

describe.runIf(available)('messages a Python worker holds', () => {
  let suite: Suite;
  let python: PythonWorker;
  let svc: ConnectionService | undefined;
  useRedisSuite((s) => (suite = s));
  beforeAll(async () => {
    // Prefork: a solo worker runs the task in its main loop and answers no control meanwhile.
    python = await startPythonWorker(suite.server.url, ['pyheld'], 'pyheld', { heartbeat: true, prefork: true });
  });
  afterAll(async () => {
    await svc?.stop();
    await python?.stop();
  });
  const enqueueSlow = async (tag: string, seconds: number): Promise<string> =>
    (JSON.parse(await runPython('pyclient.py', ['enqueue', 'tasks.slow', JSON.stringify(['pyheld:ran', tag, seconds]), 'pyheld'], { CELERIAC_TEST_BROKER: suite.server.url })) as { id: string }).id;
  const heldOwned = async (id: string, from?: 'history' | 'inspect'): Promise<HeldByWorkersPage['messages'][number]> => {
    let found: HeldByWorkersPage['messages'][number] | undefined;
    await until(async () => {
      found = (await ok(svc!.call('queues:held', { queue: 'pyheld' }))).messages.find((m) => m.id === id && m.owner !== null && (from === undefined || m.ownerFrom === from));
      return found !== undefined;
    }, 30_000);
    return found!;
  };

  it('names the owner of a claim made before the room was watching, from query_task', async () => {
    const id = await enqueueSlow('first', 8);
    // The worker claims it (acks_late: the entry stays in unacked while it runs) before the room starts.
    await until(async () => (await suite.redis.hlen('unacked')) === 1, 20_000);
    svc = new ConnectionService(suite.app);
    await svc.start();
    const held = await heldOwned(id);
    expect(held).toMatchObject({ task: 'tasks.slow', queue: 'pyheld', owner: expect.stringMatching(/^pyheld@/), ownerFrom: 'inspect', overdue: false, problem: null });
    expect(held.argsrepr).toContain("'first'");
    expect(held.ageSeconds).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('names the owner of a claim the room saw made, from the task\'s events', async () => {
    const id = await enqueueSlow('second', 6);
    const held = await heldOwned(id, 'history');
    expect(held).toMatchObject({ task: 'tasks.slow', owner: expect.stringMatching(/^pyheld@/), problem: null });
    expect(held.claimedAt).toBeGreaterThan(0);
    // Once it ends it is acked, and no longer held.
    await until(async () => (await ok(svc!.call('queues:held', { queue: 'pyheld' }))).total === 0, 30_000);
  }, 60_000);
});
