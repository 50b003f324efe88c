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

/** Sets the rules (and the webhook) on the config as read now. */
async function setConfig(svc: ConnectionService, rules: AlertRule[], webhookUrl: string | null = null): Promise<void> {
  const { version } = await ok(svc.call('alerts:config', {}));
  await ok(svc.call('alerts:setConfig', { rules, delivery: { webhookUrl, desktop: true }, version }));
}

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
      expect(await ok(svc.call('alerts:config', {}))).toEqual({ rules: [depthRule(queue)], delivery: { webhookUrl: null, webhookSet: false, desktop: false }, version: expect.any(String) });
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
      const { version } = await ok(room.call('alerts:config', {}));
      const view = { rules: config.rules, delivery: { webhookUrl: 'https://hooks.example.com/…', webhookSet: true, desktop: true }, version: expect.any(String) };
      expect(await ok(room.call('alerts:setConfig', { ...config, version }))).toEqual(view);
      expect(await ok(room.call('settings:set', { notifications: false }))).toMatchObject({ notifications: false });
      const file = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) as Record<string, unknown>;
      expect(file).toEqual({ notifications: false, beat: false, alerts: { elsewhere: { rules: [depthRule('x')], delivery: { webhookUrl: null, desktop: true } }, 'command-line': config } });
      expect(await ok(room.call('alerts:config', {}))).toEqual(view);
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
    const { version } = await ok(svc.call('alerts:config', {}));
    expect(await svc.call('alerts:setConfig', { rules, delivery, version })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    expect(await svc.call('alerts:setConfig', { rules: [depthRule('a'), depthRule('b')], delivery, version })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT', message: expect.stringContaining('two rules have the same id') } });
    expect(await svc.call('alerts:setConfig', { rules: [{ ...depthRule('a'), extra: 1 }], delivery, version })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    expect(await svc.call('alerts:setConfig', { rules: [], delivery: { webhookUrl: 'file:///etc/passwd', desktop: true }, version })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    expect(await svc.call('alerts:setConfig', { rules: [], delivery: { webhookUrl: { keep: false }, desktop: true }, version })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });

    writeFileSync(settings, '{ "notifications": false, oops');
    expect(await ok(svc.call('alerts:config', {}))).toEqual({ rules: [], delivery: { webhookUrl: null, webhookSet: false, desktop: true }, version: expect.any(String) });
    expect((await ok(svc.call('alerts:list', {}))).problems).toEqual([expect.stringContaining('could not be read')]);
    const damaged = (await ok(svc.call('alerts:config', {}))).version;
    expect(await svc.call('alerts:setConfig', { rules: [], delivery, version: damaged })).toMatchObject({ ok: false, error: { code: 'E_FILE_DAMAGED', message: expect.stringContaining('is not valid JSON') } });
    expect(readFileSync(settings, 'utf8')).toBe('{ "notifications": false, oops');
  });

  it('never gives a client the webhook\'s secret path: the page keeps, replaces or removes it without reading it back', async () => {
    const dir = tmp();
    const settings = join(dir, 'settings.json');
    const { svc } = service(settings, join(dir, 'p1.json'));
    const secret = 'https://hooks.example.com:8443/services/T0/B0/s3cret';
    await setConfig(svc, [depthRule('q')], secret);
    const config = await ok(svc.call('alerts:config', {}));
    expect(config.delivery).toEqual({ webhookUrl: 'https://hooks.example.com:8443/…', webhookSet: true, desktop: true });
    const list = await ok(svc.call('alerts:list', {}));
    expect(list.webhook.url).toBe('https://hooks.example.com:8443/…');
    expect(JSON.stringify([config, list])).not.toContain('s3cret');

    // A rule changed, the webhook kept as it is: the file still holds it whole.
    await ok(svc.call('alerts:setConfig', { rules: [depthRule('q2')], delivery: { webhookUrl: { keep: true }, desktop: false }, version: config.version }));
    const stored = (): unknown => (JSON.parse(readFileSync(settings, 'utf8')) as { alerts: { p1: { delivery: unknown } } }).alerts.p1.delivery;
    expect(stored()).toEqual({ webhookUrl: secret, desktop: false });
    await ok(svc.call('alerts:setConfig', { rules: [], delivery: { webhookUrl: null, desktop: false }, version: (await ok(svc.call('alerts:config', {}))).version }));
    expect(stored()).toEqual({ webhookUrl: null, desktop: false });
    expect((await ok(svc.call('alerts:config', {}))).delivery).toEqual({ webhookUrl: null, webhookSet: false, desktop: false });
  });

  it('refuses a change made on a config that changed since (a hand edit, another tab), and keeps the rules written by hand that are invalid', async () => {
    const dir = tmp();
    const settings = join(dir, 'settings.json');
    const { svc } = service(settings, join(dir, 'p1.json'));
    const invalid = { id: 'typo', name: '', enabled: true, kind: 'queue-depth', queue: 'q', depth: 0 };
    writeFileSync(settings, JSON.stringify({ alerts: { p1: { rules: [depthRule('q', 'mine'), invalid], delivery: { webhookUrl: null, desktop: true } } } }));
    const before = await ok(svc.call('alerts:config', {}));
    expect(before.rules).toEqual([depthRule('q', 'mine')]);

    // Another rule added by hand after the page read the config: the page's change is refused, the file left as it is.
    const handEdited = JSON.stringify({ alerts: { p1: { rules: [depthRule('q', 'mine'), invalid, depthRule('q', 'by-hand')], delivery: { webhookUrl: null, desktop: true } } } });
    writeFileSync(settings, handEdited);
    const stale = await svc.call('alerts:setConfig', { rules: [], delivery: { webhookUrl: { keep: true }, desktop: true }, version: before.version });
    expect(stale).toMatchObject({ ok: false, error: { code: 'E_CONFIG_CHANGED', message: expect.stringContaining('changed elsewhere') } });
    expect(readFileSync(settings, 'utf8')).toBe(handEdited);

    // Made again on the config read now: saved, the invalid rule kept in the file after the page's rules.
    const now = await ok(svc.call('alerts:config', {}));
    expect(now.version).not.toBe(before.version);
    expect(now.rules.map((r) => r.id)).toEqual(['mine', 'by-hand']);
    const saved = await ok(svc.call('alerts:setConfig', { rules: [depthRule('q', 'by-hand')], delivery: { webhookUrl: { keep: true }, desktop: true }, version: now.version }));
    expect(saved.rules).toEqual([depthRule('q', 'by-hand')]);
    expect((JSON.parse(readFileSync(settings, 'utf8')) as { alerts: { p1: { rules: unknown[] } } }).alerts.p1.rules).toEqual([depthRule('q', 'by-hand'), invalid]);
    expect((await ok(svc.call('alerts:list', {}))).problems).toEqual([expect.stringContaining('(typo) is skipped')]);
    // A second change on the same (now old) version is refused too: two tabs do not erase each other's rules.
    expect(await svc.call('alerts:setConfig', { rules: [], delivery: { webhookUrl: null, desktop: true }, version: now.version })).toMatchObject({ ok: false, error: { code: 'E_CONFIG_CHANGED' } });
  });

  it('refuses a stale change in memory too (a connection without a settings file)', async () => {
    const svc = new ConnectionService(app, undefined, { alerts: { intervalMs: 60_000 } });
    const { version } = await ok(svc.call('alerts:config', {}));
    await ok(svc.call('alerts:setConfig', { rules: [depthRule('q', 'a')], delivery: { webhookUrl: null, desktop: true }, version }));
    expect(await svc.call('alerts:setConfig', { rules: [depthRule('q', 'b')], delivery: { webhookUrl: null, desktop: true }, version })).toMatchObject({ ok: false, error: { code: 'E_CONFIG_CHANGED' } });
    expect((await ok(svc.call('alerts:config', {}))).rules.map((r) => r.id)).toEqual(['a']);
  });

  it('keeps the episodes across a restart: the history is there, and a condition still holding fires nothing again', async () => {
    const dir = tmp();
    const settings = join(dir, 'settings.json');
    const episodes = join(dir, 'alerts', 'p1.json');
    const [held, cleared] = [uniqueName('held'), uniqueName('cleared')];
    const first = service(settings, episodes);
    await first.svc.start();
    await setConfig(first.svc, [depthRule(held, 'held'), depthRule(cleared, 'cleared')]);
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
