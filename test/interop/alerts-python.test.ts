/**
 * Alert rules on a Python Celery deployment: a Python task's failure rate fires and resolves
 * from the failures its worker's events report, and a Python worker that stops fires
 * worker-offline, resolved when it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import type { AlertChange } from '../../src-main/service/contract/index.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { ok } from '../helpers/contract.js';
import { pythonCeleryAvailable, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

const available = pythonCeleryAvailable();

describe.runIf(available)('alerts on a Python Celery deployment', () => {
  let server: RedisServer;
  let app: App;
  let py: PythonWorker;
  let svc: ConnectionService;
  let node: string;
  const changes: AlertChange[] = [];
  const queue = uniqueName('pyalerts');
  useRedisSuite((s) => ({ server, app } = s), { app: { taskRecords: true } });

  beforeAll(async () => {
    py = await startPythonWorker(server.url, [queue], 'pyalerts', { heartbeat: true });
    node = /pyalerts@[^\s:]+/.exec(py.log())?.[0] ?? 'pyalerts@unknown';
    svc = new ConnectionService(app, undefined, { alerts: { intervalMs: 100 } });
    svc.onEvent((event, data) => {
      if (event === 'alerts:changed') changes.push(data as AlertChange);
    });
    await svc.start();
    await ok(svc.call('alerts:setConfig', {
      rules: [
        { id: 'rate', name: '', enabled: true, kind: 'failure-rate', task: 'tasks.tsum', percent: 50, windowSeconds: 600, minTasks: 3 },
        { id: 'offline', name: '', enabled: true, kind: 'worker-offline', worker: null, seconds: 1 },
      ],
      delivery: { webhookUrl: null, desktop: true },
      version: (await ok(svc.call('alerts:config', {}))).version,
    }));
    // The worker sends task events once the room's enable_events cast reached it: a task it ran is in the history then.
    await until(async () => {
      const r = await app.sendTask('tasks.add', [1, 2], {}, { queue });
      await r.get({ timeout: 10_000 });
      return (await ok(svc.call('tasks:get', { id: r.id }))).history?.worker === node;
    }, 30_000);
  });
  afterAll(async () => {
    await svc?.stop();
    await py?.stop();
  });

  const of = (ruleId: string): Array<[string, string]> => changes.filter((c) => c.alert.ruleId === ruleId).map((c) => [c.alert.subject, c.alert.state]);

  it("fires when a Python task's failures reach the rule's share, and resolves when its successes bring it under", async () => {
    for (let i = 0; i < 3; i++) await (await app.sendTask('tasks.tsum', [null], {}, { queue })).get({ timeout: 10_000 }).catch(() => undefined);
    await until(() => of('rate').length === 1, 20_000);
    expect(changes.find((c) => c.alert.ruleId === 'rate')!.alert.summary).toBe('tasks.tsum failing 100 % (3 of 3) over 10 min (rule: 50 % or more)');
    for (let i = 0; i < 4; i++) expect(await (await app.sendTask('tasks.tsum', [[i, 1]], {}, { queue })).get({ timeout: 10_000 })).toBe(i + 1);
    await until(() => of('rate').length === 2, 20_000);
    expect(of('rate')).toEqual([['tasks.tsum', 'firing'], ['tasks.tsum', 'resolved']]);
  });

  it('fires when the Python worker stops, and resolves when it is back', async () => {
    expect(of('offline')).toEqual([]);
    await py.stop();
    await until(() => of('offline').length === 1, 20_000);
    expect(changes.find((c) => c.alert.ruleId === 'offline')!.alert.summary).toMatch(new RegExp(`^worker ${node} is offline \\(it shut down; last heard \\d+ s ago`));
    py = await startPythonWorker(server.url, [queue], 'pyalerts', { heartbeat: true });
    await until(() => of('offline').length === 2, 20_000);
    expect(of('offline')).toEqual([[node, 'firing'], [node, 'resolved']]);
  });
});
