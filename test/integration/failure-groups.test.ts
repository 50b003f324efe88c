/**
 * Failures grouped by cause, from what a real worker failed: messages that differ only in ids,
 * numbers or paths are one group; "retry all" sends the group's failed tasks again.
 */
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';
import { ok } from '../helpers/contract.js';

let app: App;
useRedisSuite((s) => ({ app } = s), { app: { taskRecords: true }, worker: { concurrency: 2, name: 'ts@groups', events: true } });

describe('failure groups', () => {
  it('groups failures by task, exception type and normalised message, and retries a group', async () => {
    const svc = new ConnectionService(app);
    await svc.start();
    try {
      const failing = [
        ...[17, 2048, 9].map((n) => app.sendTask('tasks.fail', [`user ${n} not found`])),
        ...['/var/in/a.csv', '/tmp/b/c.csv'].map((p) => app.sendTask('tasks.fail', [`cannot read ${p}`])),
      ];
      const keys = [uniqueName('k'), uniqueName('k')];
      const flaky = keys.map((k) => app.sendTask('tasks.flaky_once', [k]));
      for (const r of await Promise.all([...failing, ...flaky])) await r.get({ timeout: 10_000 }).catch(() => undefined);
      let groups: Awaited<ReturnType<typeof read>> = [];
      const read = async () => (await ok(svc.call('failures:groups', {}))).groups;
      await until(async () => (groups = await read()).reduce((n, g) => n + g.count, 0) === 7);
      expect(groups.map((g) => [g.name, g.exceptionType, g.pattern, g.count])).toEqual([
        ['tasks.fail', 'ValueError', 'user <n> not found', 3],
        ['tasks.flaky_once', 'Error', 'first attempt fails', 2],
        ['tasks.fail', 'ValueError', 'cannot read <path>', 2],
      ]);
      const flakyGroup = groups.find((g) => g.name === 'tasks.flaky_once')!;
      expect(flakyGroup.traceback).toContain('first attempt fails');
      expect(flakyGroup.tasks).toHaveLength(2);
      expect((await ok(svc.call('failures:retryGroup', { key: flakyGroup.key }))).retried.sort()).toEqual(flakyGroup.tasks.map((t) => t.id).sort());
      await until(async () => !(await read()).some((g) => g.name === 'tasks.flaky_once'));
    } finally {
      await svc.stop();
    }
  });
});
