/**
 * Failure triage against a real worker: a group marked resolved that fails again shows as
 * regressed, counting the failures since; an ignored group is left out of the groups and of the
 * summary bar's failed count unless asked for; the marks are kept in the history file, so a
 * control room started again on the same data finds them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import type { FailureGroup } from '../../src-main/service/contract/index.js';
import { CallServer } from '../../src-main/service/calls/call-server.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { ok } from '../helpers/contract.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

let app: App;
useRedisSuite((s) => ({ app } = s), { app: { taskRecords: true }, worker: { concurrency: 2, name: 'ts@triage', events: true } });

describe('failure triage', () => {
  const historyPath = join(mkdtempSync(join(tmpdir(), 'celeriac-triage-')), 'history.sqlite');
  let svc: ConnectionService;
  beforeAll(async () => {
    svc = new ConnectionService(app, undefined, { historyPath });
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** Sends tasks.fail with this message and waits for it to fail. */
  const fail = async (message: string): Promise<void> => {
    const r = await app.sendTask('tasks.fail', [message]);
    await r.get({ timeout: 10_000 }).catch(() => undefined);
  };
  const groups = async (includeIgnored = false) => ok(svc.call('failures:groups', { includeIgnored }));
  const group = async (pattern: string, includeIgnored = false): Promise<FailureGroup | undefined> => (await groups(includeIgnored)).groups.find((g) => g.pattern === pattern);
  /** Waits until the group holds `count` failures, and returns it. */
  const groupOf = async (pattern: string, count: number, includeIgnored = false): Promise<FailureGroup> => {
    let g: FailureGroup | undefined;
    await until(async () => (g = await group(pattern, includeIgnored))?.count === count);
    return g!;
  };

  it('a resolved group that fails again is regressed, counting the failures since it was resolved', async () => {
    await fail('stock 1 gone');
    await fail('stock 2 gone');
    const before = await groupOf('stock <n> gone', 2);
    expect(before.triage).toEqual({ state: 'open', at: null, countSince: 2, regressed: false });

    const resolvedAt = Date.now() / 1000;
    const resolved = await ok(svc.call('failures:triage', { key: before.key, state: 'resolved' }));
    expect(resolved).toMatchObject({ state: 'resolved', countSince: 0, regressed: false });
    expect(resolved.at).toBeGreaterThanOrEqual(resolvedAt - 1);
    expect((await group('stock <n> gone'))!.triage).toEqual(resolved);

    await fail('stock 3 gone');
    const after = await groupOf('stock <n> gone', 3);
    expect(after.key).toBe(before.key);
    expect(after.triage).toEqual({ state: 'resolved', at: resolved.at, countSince: 1, regressed: true });

    // Opened again: every failure counts, nothing is regressed.
    expect(await ok(svc.call('failures:triage', { key: before.key, state: 'open' }))).toEqual({ state: 'open', at: null, countSince: 3, regressed: false });
    // Resolved again: the regression is behind it.
    expect(await ok(svc.call('failures:triage', { key: before.key, state: 'resolved' }))).toMatchObject({ state: 'resolved', countSince: 0, regressed: false });
  });

  it('an ignored group is left out of the groups and of the summary\'s failed count, unless asked for', async () => {
    await fail('ledger 7 closed');
    await fail('ledger 8 closed');
    const g = await groupOf('ledger <n> closed', 2);
    const all = await ok(svc.call('summary:get', { includeIgnored: true }));
    expect(await ok(svc.call('summary:get', {}))).toMatchObject({ failed: all.failed, failedIgnored: 0 });

    expect(await ok(svc.call('failures:triage', { key: g.key, state: 'ignored' }))).toMatchObject({ state: 'ignored', countSince: 0, regressed: false });
    const listed = await groups();
    expect(listed.groups.map((x) => x.key)).not.toContain(g.key);
    expect(listed.ignored).toBe(1);
    expect((await group('ledger <n> closed', true))!.triage.state).toBe('ignored');
    expect(await ok(svc.call('summary:get', {}))).toMatchObject({ failed: all.failed - 2, failedIgnored: 2 });
    expect(await ok(svc.call('summary:get', { includeIgnored: true }))).toMatchObject({ failed: all.failed, failedIgnored: 0 });

    // A new failure of the ignored cause stays out of the count too; it is counted since, not regressed.
    await fail('ledger 9 closed');
    expect((await groupOf('ledger <n> closed', 3, true)).triage).toMatchObject({ state: 'ignored', countSince: 1, regressed: false });
    await until(async () => (await ok(svc.call('summary:get', {}))).failedIgnored === 3);
    expect(await ok(svc.call('summary:get', {}))).toMatchObject({ failed: all.failed - 2, failedIgnored: 3 });
    expect(await ok(svc.call('summary:get', { includeIgnored: true }))).toMatchObject({ failed: all.failed + 1 });

    // Opened again, it is listed and counted.
    await ok(svc.call('failures:triage', { key: g.key, state: 'open' }));
    expect((await groups()).ignored).toBe(0);
    expect(await ok(svc.call('summary:get', {}))).toMatchObject({ failed: all.failed + 1, failedIgnored: 0 });
  });

  it('keeps the marks in the history file: a control room started again on it finds them, and sees a regression', async () => {
    await fail('quota 1 spent');
    await fail('tenant 5 locked');
    const quota = await groupOf('quota <n> spent', 1);
    const tenant = await groupOf('tenant <n> locked', 1);
    const resolved = await ok(svc.call('failures:triage', { key: quota.key, state: 'resolved' }));
    await ok(svc.call('failures:triage', { key: tenant.key, state: 'ignored' }));

    await svc.stop();
    svc = new ConnectionService(app, undefined, { historyPath });
    await svc.start();

    expect((await group('quota <n> spent'))!.triage).toEqual(resolved);
    expect(await group('tenant <n> locked')).toBeUndefined();
    expect((await group('tenant <n> locked', true))!.triage.state).toBe('ignored');
    await fail('quota 2 spent');
    expect((await groupOf('quota <n> spent', 2)).triage).toEqual({ ...resolved, countSince: 1, regressed: true });
  });

  it('is refused by a read-only room, which still lists the groups; a state it does not know is refused', async () => {
    const g = await groupOf('quota <n> spent', 2);
    const room = new CallServer(svc, { readOnly: true });
    expect(await room.call('failures:groups', {})).toMatchObject({ ok: true });
    expect(await room.call('failures:triage', { key: g.key, state: 'open' })).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    expect((await group('quota <n> spent'))!.triage.state).toBe('resolved');
    expect(await svc.call('failures:triage', { key: g.key, state: 'snoozed' } as never)).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
  });
});
