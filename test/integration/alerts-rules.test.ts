/**
 * Alert rules on a real Redis, evaluated by the connection's service on a short interval: each
 * kind fires once when its condition starts to hold and resolves once when it stops (one
 * `alerts:changed` event each way, never more while the condition keeps holding), and the
 * episodes are in alerts:list.
 */
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { BeatStore } from '../../src-main/core/beat/beat-store.js';
import type { Worker } from '../../src-main/core/worker/worker.js';
import type { AlertChange, AlertRule } from '../../src-main/service/contract/index.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { ok } from '../helpers/contract.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';
import { startWorker } from '../helpers/worker.js';

let server: RedisServer;
let redis: Redis;
let app: App;
useRedisSuite((s) => ({ server, redis, app } = s), { app: { taskRecords: true } });

/** The worker that runs the tasks, started by the first test that needs it (the stream is silent until then). */
let worker: Worker | null = null;
async function aWorker(): Promise<void> {
  worker ??= await startWorker(server.url, { concurrency: 2, name: 'ts@alerts', events: true });
}
afterAll(async () => {
  await worker?.stop();
});

/** A service on the suite's Redis evaluating `rules` every 100 ms, and the alert events it pushed. */
async function watching(rules: AlertRule[], options: { groupsEveryMs?: number } = {}): Promise<{ svc: ConnectionService; changes: AlertChange[] }> {
  const svc = new ConnectionService(app, undefined, { alerts: { intervalMs: 100, groupsEveryMs: options.groupsEveryMs ?? 300 } });
  const changes: AlertChange[] = [];
  svc.onEvent((event, data) => {
    if (event === 'alerts:changed') changes.push(data as AlertChange);
  });
  await svc.start();
  await ok(svc.call('alerts:setConfig', { rules, delivery: { webhookUrl: null, desktop: true }, version: (await ok(svc.call('alerts:config', {}))).version }));
  return { svc, changes };
}

const states = (changes: AlertChange[], subject?: string): string[] => changes.filter((c) => subject === undefined || c.alert.subject === subject).map((c) => c.alert.state);

/** Waits for more evaluations (`ms` of them), then checks nothing more was pushed: a held or cleared condition fires nothing again. */
async function settled(svc: ConnectionService, changes: AlertChange[], expected: number, ms = 250): Promise<void> {
  const at = (await ok(svc.call('alerts:list', {}))).evaluatedAt ?? 0;
  await until(async () => ((await ok(svc.call('alerts:list', {}))).evaluatedAt ?? 0) > at + ms);
  expect(changes).toHaveLength(expected);
}

describe('alert rules', () => {
  it('events-silent fires while no event comes, and resolves once a worker sends heartbeats', async () => {
    const { svc, changes } = await watching([{ id: 'silent', name: '', enabled: true, kind: 'events-silent', seconds: 5 }]);
    try {
      await until(() => changes.length === 1, 20_000);
      expect(changes[0]).toMatchObject({ desktop: true, alert: { ruleId: 'silent', kind: 'events-silent', subject: '', state: 'firing', resolvedAt: null, summary: expect.stringContaining('no event from the cluster for') } });
      const list = await ok(svc.call('alerts:list', {}));
      expect(list.firing.map((a) => a.id)).toEqual([changes[0]!.alert.id]);
      await aWorker();
      await until(() => changes.length === 2, 20_000);
      expect(changes[1]!.alert).toMatchObject({ id: changes[0]!.alert.id, state: 'resolved', resolvedAt: expect.any(Number) });
      await settled(svc, changes, 2);
      expect((await ok(svc.call('alerts:list', {}))).history).toEqual([expect.objectContaining({ id: changes[0]!.alert.id, state: 'resolved' })]);
    } finally {
      await svc.stop();
    }
   }, 60_000);

  it('worker-offline fires for a worker gone for the rule seconds, and resolves when it is back', async () => {
    const name = `ts@${uniqueName('gone')}`;
    let other = await startWorker(server.url, { concurrency: 1, name, queues: [uniqueName('none')] });
    const { svc, changes } = await watching([{ id: 'offline', name: 'worker gone', enabled: true, kind: 'worker-offline', worker: name, seconds: 1 }]);
    try {
      await until(async () => (await ok(svc.call('workers:list', {}))).some((w) => w.name === name && w.online));
      await other.stop();
      await until(() => changes.length === 1);
      expect(changes[0]!.alert).toMatchObject({ ruleName: 'worker gone', subject: name, state: 'firing', summary: expect.stringContaining(`worker ${name} is offline`) });
      other = await startWorker(server.url, { concurrency: 1, name, queues: [uniqueName('none')] });
      await until(() => changes.length === 2);
      expect(states(changes, name)).toEqual(['firing', 'resolved']);
      await settled(svc, changes, 2);
    } finally {
      await svc.stop();
      await other.stop();
    }
   }, 60_000);

  it('queue-depth fires once the queue holds the rule depth, and resolves when it is emptied', async () => {
    const queue = uniqueName('deep');
    const { svc, changes } = await watching([{ id: 'depth', name: '', enabled: true, kind: 'queue-depth', queue, depth: 3 }]);
    try {
      for (const n of [1, 2]) await app.sendTask('tasks.add', [n, n], {}, { queue });
      await settled(svc, changes, 0);
      await app.sendTask('tasks.add', [3, 3], {}, { queue });
      await until(() => changes.length === 1);
      expect(changes[0]!.alert).toMatchObject({ subject: queue, state: 'firing', summary: `queue ${queue} holds 3 waiting messages (rule: 3 or more)` });
      await app.sendTask('tasks.add', [4, 4], {}, { queue }); // still over: nothing more fires
      await settled(svc, changes, 1);
      await redis.del(queue);
      await until(() => changes.length === 2);
      expect(states(changes, queue)).toEqual(['firing', 'resolved']);
    } finally {
      await svc.stop();
    }
  });

  it('a changed rule resolves its episode and fires again where its new settings hold; a renamed one changes nothing', async () => {
    const queue = uniqueName('changed');
    const rule: AlertRule = { id: 'depth', name: '', enabled: true, kind: 'queue-depth', queue, depth: 1 };
    const { svc, changes } = await watching([rule]);
    const delivery = { webhookUrl: null, desktop: true };
    try {
      await app.sendTask('tasks.add', [1, 1], {}, { queue });
      await until(() => changes.length === 1);
      await app.sendTask('tasks.add', [2, 2], {}, { queue });
      await ok(svc.call('alerts:setConfig', { rules: [{ ...rule, name: 'renamed' }], delivery, version: (await ok(svc.call('alerts:config', {}))).version }));
      await settled(svc, changes, 1);
      await ok(svc.call('alerts:setConfig', { rules: [{ ...rule, depth: 2 }], delivery, version: (await ok(svc.call('alerts:config', {}))).version }));
      await until(() => changes.length === 3);
      expect(changes.map((c) => [c.alert.state, c.alert.summary])).toEqual([
        ['firing', `queue ${queue} holds 1 waiting messages (rule: 1 or more)`],
        ['resolved', `queue ${queue} holds 1 waiting messages (rule: 1 or more)`],
        ['firing', `queue ${queue} holds 2 waiting messages (rule: 2 or more)`],
      ]);
      await settled(svc, changes, 3);
    } finally {
      await svc.stop();
    }
  });

  it("queue-age fires when the queue's next message has waited the rule seconds since it was sent, and resolves when it is gone", async () => {
    const queue = uniqueName('old');
    const { svc, changes } = await watching([{ id: 'age', name: '', enabled: true, kind: 'queue-age', queue: null, seconds: 1 }]);
    try {
      const sent = await app.sendTask('tasks.add', [1, 1], {}, { queue });
      await until(() => changes.some((c) => c.alert.subject === queue));
      expect(changes.find((c) => c.alert.subject === queue)!.alert.summary).toMatch(new RegExp(`^queue ${queue}: the next message \\(${sent.id}\\) has waited \\d+ s since it was sent`));
      await redis.del(queue);
      await until(() => states(changes, queue).length === 2);
      expect(states(changes, queue)).toEqual(['firing', 'resolved']);
    } finally {
      await svc.stop();
    }
  });

  it('schedule-late fires for a periodic entry past its due time that no beat sends, and resolves when it goes', async () => {
    const entry = uniqueName('nightly');
    const beat = new BeatStore(redis);
    const { svc, changes } = await watching([{ id: 'late', name: '', enabled: true, kind: 'schedule-late', entry: null, seconds: 1 }]);
    try {
      await beat.save(entry, { task: 'tasks.add', every: 1, args: [1, 1] });
      await until(() => changes.length === 1);
      expect(changes[0]!.alert).toMatchObject({ subject: entry, state: 'firing', summary: expect.stringContaining(`periodic task ${entry} (tasks.add) is`) });
      await settled(svc, changes, 1);
      await beat.remove(entry);
      await until(() => changes.length === 2);
      expect(states(changes, entry)).toEqual(['firing', 'resolved']);
    } finally {
      await svc.stop();
    }
  });

  it("failure-rate fires when a task's failed share over the window reaches the rule's percent, and resolves when successes bring it under", async () => {
    await aWorker();
    const { svc, changes } = await watching([{ id: 'rate', name: '', enabled: true, kind: 'failure-rate', task: 'tasks.tsum', percent: 50, windowSeconds: 300, minTasks: 3 }]);
    try {
      for (let i = 0; i < 2; i++) await (await app.sendTask('tasks.tsum', [null])).get({ timeout: 10_000 }).catch(() => undefined);
      await settled(svc, changes, 0); // two failures: under minTasks
      await (await app.sendTask('tasks.tsum', [null])).get({ timeout: 10_000 }).catch(() => undefined);
      await until(() => changes.length === 1);
      expect(changes[0]!.alert).toMatchObject({ subject: 'tasks.tsum', state: 'firing', summary: 'tasks.tsum failing 100 % (3 of 3) over 5 min (rule: 50 % or more)' });
      for (let i = 0; i < 4; i++) expect(await (await app.sendTask('tasks.tsum', [[i, 1]])).get({ timeout: 10_000 })).toBe(i + 1);
      await until(() => changes.length === 2);
      expect(states(changes)).toEqual(['firing', 'resolved']);
      await settled(svc, changes, 2);
    } finally {
      await svc.stop();
    }
  });

  it('failure-group fires for a group seen for the first time (not one there when it started watching), and resolves at the next reading', async () => {
    await aWorker();
    await (await app.sendTask('tasks.fail', ['there before'])).get({ timeout: 10_000 }).catch(() => undefined);
    const { svc, changes } = await watching([{ id: 'group', name: '', enabled: true, kind: 'failure-group', on: 'new' }]);
    try {
      await until(async () => (await ok(svc.call('alerts:list', {}))).evaluatedAt !== null);
      await settled(svc, changes, 0, 700);
      await (await app.sendTask('tasks.fail', ['disk 7 is full'])).get({ timeout: 10_000 }).catch(() => undefined);
      await until(() => changes.length === 2);
      const key = 'tasks.fail\u001fValueError\u001fdisk <n> is full';
      expect(changes.map((c) => [c.alert.subject, c.alert.state])).toEqual([[key, 'firing'], [key, 'resolved']]);
      expect(changes[0]!.alert.summary).toBe('new failure group: tasks.fail: ValueError(disk <n> is full) (1 so far)');
      await (await app.sendTask('tasks.fail', ['disk 8 is full'])).get({ timeout: 10_000 }).catch(() => undefined);
      await settled(svc, changes, 2, 700);
    } finally {
      await svc.stop();
    }
  });

  it('failure-group fires for a group marked resolved that fails again, and resolves once it is marked resolved again', async () => {
    await aWorker();
    const fail = async (message: string): Promise<void> => void (await (await app.sendTask('tasks.fail', [message])).get({ timeout: 10_000 }).catch(() => undefined));
    const key = 'tasks.fail\u001fValueError\u001fprinter <n> on fire';
    await fail('printer 1 on fire');
    const { svc, changes } = await watching([{ id: 'back', name: '', enabled: true, kind: 'failure-group', on: 'regressed' }]);
    try {
      await until(async () => (await ok(svc.call('failures:groups', {}))).groups.some((g) => g.key === key));
      expect(await ok(svc.call('failures:triage', { key, state: 'resolved' }))).toMatchObject({ state: 'resolved', regressed: false });
      await settled(svc, changes, 0, 700);
      await fail('printer 2 on fire');
      await until(() => changes.length === 1);
      expect(changes[0]!.alert).toMatchObject({ subject: key, state: 'firing', summary: 'failure group failing again since it was resolved: tasks.fail: ValueError(printer <n> on fire) (1 since)' });
      await fail('printer 3 on fire'); // still regressed: nothing more fires
      await settled(svc, changes, 1, 700);
      await ok(svc.call('failures:triage', { key, state: 'resolved' }));
      await until(() => changes.length === 2);
      expect(changes[1]!.alert).toMatchObject({ id: changes[0]!.alert.id, state: 'resolved' });
      await settled(svc, changes, 2, 700);
    } finally {
      await svc.stop();
    }
  });
});
