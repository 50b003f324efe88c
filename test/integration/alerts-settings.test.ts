/**
 * Alert rules kept in settings.json per connection: edited in the page (alerts:setConfig) or
 * by hand, an invalid rule skipped and said (never a crash), the room's own settings and other
 * connections' rules kept; and the episodes kept across a restart, a condition still holding
 * firing nothing again.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import type { AlertChange, AlertRule } from '../../src-main/service/contract/index.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { ok } from '../helpers/contract.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

let server: RedisServer;
let redis: Redis;
let app: App;
useRedisSuite((s) => ({ server, redis, app } = s), { app: { taskRecords: true } });

const tmp = (): string => mkdtempSync(join(tmpdir(), 'celeriac-alerts-'));
const depthRule = (queue: string, id = 'deep'): AlertRule => ({ id, name: '', enabled: true, kind: 'queue-depth', queue, depth: 1 });

function service(settingsPath: string, episodesPath: string): { svc: ConnectionService; changes: AlertChange[] } {
  const svc = new ConnectionService(app, undefined, { alerts: { config: { settingsPath, profileId: 'p1' }, episodesPath, intervalMs: 100 } });
  const changes: AlertChange[] = [];
  svc.onEvent((event, data) => {
    if (event === 'alerts:changed') changes.push(data as AlertChange);
  });
  return { svc, changes };
}

describe('alert rules in the settings file', () => {
  it('reads rules written by hand, skips and says the invalid ones, and follows edits without a restart', async () => {
    const dir = tmp();
    const settings = join(dir, 'settings.json');
    const queue = uniqueName('hand');
    writeFileSync(settings, JSON.stringify({
      notifications: false,
      alerts: {
        p1: {
          rules: [
            depthRule(queue),
            { id: 'too-much', name: '', enabled: true, kind: 'failure-rate', task: null, percent: 500, windowSeconds: 300, minTasks: 1 },
            { id: 'what', name: '', enabled: true, kind: 'disk-full' },
            { ...depthRule('other'), name: 'same id again' },
          ],
          delivery: { webhookUrl: null, desktop: false },
        },
        other: { rules: [], delivery: { webhookUrl: null, desktop: true } },
      },
    }));
    const { svc, changes } = service(settings, join(dir, 'alerts', 'p1.json'));
    await svc.start();
    try {
      expect(await ok(svc.call('alerts:config', {}))).toEqual({ rules: [depthRule(queue)], delivery: { webhookUrl: null, desktop: false } });
      const { problems } = await ok(svc.call('alerts:list', {}));
      expect(problems).toEqual([
        expect.stringMatching(/^settings\.json alerts\["p1"\]\.rules\[1\] \(too-much\) is skipped: percent: /),
        expect.stringMatching(/^settings\.json alerts\["p1"\]\.rules\[2\] \(what\) is skipped: /),
        'settings.json alerts["p1"].rules[3] (deep) is skipped: another rule has its id',
      ]);
      await app.sendTask('tasks.add', [1, 1], {}, { queue });
      await until(() => changes.length === 1);
      expect(changes[0]).toMatchObject({ desktop: false, alert: { ruleId: 'deep', state: 'firing' } });

      // Turned off by hand: its episode resolves.
      const edited = JSON.parse(readFileSync(settings, 'utf8')) as { alerts: { p1: { rules: AlertRule[] } } };
      edited.alerts.p1.rules = [{ ...depthRule(queue), enabled: false }];
      writeFileSync(settings, JSON.stringify(edited));
      await until(() => changes.length === 2);
      expect(changes[1]!.alert).toMatchObject({ id: changes[0]!.alert.id, state: 'resolved' });
      expect((await ok(svc.call('alerts:list', {}))).problems).toEqual([]);
    } finally {
      await svc.stop();
    }
  });

  it('writes what the page sets under its profile, keeping the rest of the file; the room keeps the rules when it writes its own settings', async () => {
    const dir = tmp();
    const room = new ControlRoom({ dataDir: dir, local: false, initial: { url: server.url, hostPool: false } });
    await room.start();
    try {
      writeFileSync(join(dir, 'settings.json'), JSON.stringify({ notifications: true, beat: false, alerts: { elsewhere: { rules: [depthRule('x')], delivery: { webhookUrl: null, desktop: true } } } }));
      const config = { rules: [depthRule('q1')], delivery: { webhookUrl: 'https://hooks.example.com/services/T/B/x', desktop: true } };
      expect(await ok(room.call('alerts:setConfig', config))).toEqual(config);
      expect(await ok(room.call('settings:set', { notifications: false }))).toMatchObject({ notifications: false });
      const file = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) as Record<string, unknown>;
      expect(file).toEqual({ notifications: false, beat: false, alerts: { elsewhere: { rules: [depthRule('x')], delivery: { webhookUrl: null, desktop: true } }, 'command-line': config } });
      expect(await ok(room.call('alerts:config', {}))).toEqual(config);
    } finally {
      await room.stop();
    }
  });

  it('refuses a config past its bounds, and never writes over a settings file it cannot read', async () => {
    const dir = tmp();
    const settings = join(dir, 'settings.json');
    const { svc } = service(settings, join(dir, 'p1.json'));
    const rules = Array.from({ length: 101 }, (_, i) => depthRule('q', `r${i}`));
    const delivery = { webhookUrl: null, desktop: true };
    expect(await svc.call('alerts:setConfig', { rules, delivery })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    expect(await svc.call('alerts:setConfig', { rules: [depthRule('a'), depthRule('b')], delivery })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT', message: expect.stringContaining('two rules have the same id') } });
    expect(await svc.call('alerts:setConfig', { rules: [{ ...depthRule('a'), extra: 1 }], delivery })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    expect(await svc.call('alerts:setConfig', { rules: [], delivery: { webhookUrl: 'file:///etc/passwd', desktop: true } })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });

    writeFileSync(settings, '{ "notifications": false, oops');
    expect(await ok(svc.call('alerts:config', {}))).toEqual({ rules: [], delivery: { webhookUrl: null, desktop: true } });
    expect((await ok(svc.call('alerts:list', {}))).problems).toEqual([expect.stringContaining('could not be read')]);
    expect(await svc.call('alerts:setConfig', { rules: [], delivery })).toMatchObject({ ok: false, error: { message: expect.stringContaining('is not valid JSON') } });
    expect(readFileSync(settings, 'utf8')).toBe('{ "notifications": false, oops');
  });

  it('keeps the episodes across a restart: the history is there, and a condition still holding fires nothing again', async () => {
    const dir = tmp();
    const settings = join(dir, 'settings.json');
    const episodes = join(dir, 'alerts', 'p1.json');
    const [held, cleared] = [uniqueName('held'), uniqueName('cleared')];
    const first = service(settings, episodes);
    await first.svc.start();
    await ok(first.svc.call('alerts:setConfig', { rules: [depthRule(held, 'held'), depthRule(cleared, 'cleared')], delivery: { webhookUrl: null, desktop: true } }));
    await app.sendTask('tasks.add', [1, 1], {}, { queue: held });
    await app.sendTask('tasks.add', [1, 1], {}, { queue: cleared });
    await until(() => first.changes.length === 2);
    await first.svc.stop();

    await redis.del(cleared);
    const second = service(settings, episodes);
    const before = (await ok(second.svc.call('alerts:list', {}))).history;
    expect(before.map((a) => [a.subject, a.state]).sort()).toEqual([[cleared, 'firing'], [held, 'firing']]);
    await second.svc.start();
    try {
      await until(() => second.changes.length === 1);
      expect(second.changes[0]!.alert).toMatchObject({ subject: cleared, state: 'resolved', id: first.changes.find((c) => c.alert.subject === cleared)!.alert.id });
      const at = (await ok(second.svc.call('alerts:list', {}))).evaluatedAt!;
      await until(async () => (await ok(second.svc.call('alerts:list', {}))).evaluatedAt! > at + 250);
      expect(second.changes).toHaveLength(1);
      const list = await ok(second.svc.call('alerts:list', {}));
      expect(list.firing.map((a) => a.subject)).toEqual([held]);
      expect(list.history).toHaveLength(2);
    } finally {
      await second.svc.stop();
    }
  });
});
