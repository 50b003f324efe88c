/**
 * What the control room says of a Python task, everywhere the same: a Python worker with
 * Celery's defaults (prefork, started without -E, no result_extended; the control room's
 * enable_events casts turn its events on), and the list, the task's page, the summary bar and
 * /metrics asked about the same tasks: retries listed as attempts, a revoke that terminates ends
 * the task as REVOKED everywhere.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { chain as chainOf } from '../../src-main/core/canvas/signature.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import type { HistoryTask, TaskWorkflowNode } from '../../src-main/service/contract/index.js';
import { ok } from '../helpers/contract.js';
import { pythonCeleryAvailable, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

/** A prefork worker of pytruth.py (a revoke's terminate needs a pool process to stop), no -E. */
const startTruthWorker = (url: string, queues: string[], name: string): Promise<PythonWorker> => startPythonWorker(url, queues, name, { app: 'pytruth', heartbeat: true, prefork: true });

const flatten = (n: TaskWorkflowNode): TaskWorkflowNode[] => [n, ...n.children.flatMap(flatten)];

describe.runIf(pythonCeleryAvailable())("a Python task's truth, the same in every view", () => {
  let server: RedisServer;
  let worker: Awaited<ReturnType<typeof startTruthWorker>>;
  let room: ControlRoom;
  const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-truth-'));
  const env = () => ({ CELERIAC_TEST_BROKER: server.url });
  const py = async <T>(...args: string[]): Promise<T> => JSON.parse(await runPython('pytruth.py', args, env(), 60_000)) as T;
  const open = async (): Promise<ControlRoom> => {
    const r = new ControlRoom({ dataDir, local: false, initial: { url: server.url, hostPool: false } });
    expect((await r.start()).state).toBe('connected');
    return r;
  };
  const row = async (id: string): Promise<HistoryTask | undefined> => (await ok(room.call('tasks:search', { query: id }))).tasks.find((t) => t.id === id);
  const metric = async (name: string, labels: Record<string, string>): Promise<number> => {
    const m = parsePrometheusTextFormat((await room.metrics())!.body);
    return (m.find((f) => f.name === name)?.metrics ?? []).filter((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v)).reduce((sum, s) => sum + Number(s.value), 0);
  };

  beforeAll(async () => {
    server = await startRedisServer();
    worker = await startTruthWorker(server.url, ['celery'], 'truth');
    room = await open();
    // The control room's enable_events casts turn the worker's task events on: send until one is heard.
    await until(async () => {
      const { ids } = await py<{ ids: string[] }>('send-to', 'celery', '1');
      await new Promise((r) => setTimeout(r, 300));
      return (await row(ids[0]!))?.state === 'SUCCESS';
    }, 40_000);
  }, 90_000);
  afterAll(async () => {
    await room?.stop();
    await worker?.stop();
    await server?.stop();
  });

  for (const how of ['retry-self', 'retry-auto'] as const) {
    it(`lists a task retried 3 times (${how}) as 4 attempts, its first received time kept`, async () => {
      const { id, state } = await py<{ id: string; state: string }>(how);
      expect(state).toBe('SUCCESS');
      await until(async () => (await row(id))?.state === 'SUCCESS');
      const page = await ok(room.call('tasks:get', { id }));
      const runs = page.runs ?? [];
      expect(runs.map((r) => [r.n, r.state])).toEqual([[0, 'RETRY'], [1, 'RETRY'], [2, 'RETRY'], [3, 'SUCCESS']]);
      for (const r of runs) {
        expect(r.worker).toMatch(/^truth@/);
        expect(r.received_at).not.toBeNull();
        expect(r.started_at!).toBeGreaterThanOrEqual(r.received_at!);
        expect(r.ended_at!).toBeGreaterThanOrEqual(r.started_at!);
      }
      expect(runs.slice(0, 3).map((r) => r.exception)).toEqual(["KeyError('try 0')", "KeyError('try 1')", "KeyError('try 2')"]);
      // Each run after the one before it; the task's received time is its first run's.
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.received_at!).toBeGreaterThanOrEqual(runs[i - 1]!.ended_at! - 0.05);
      expect(page.history!.received_at).toBe(runs[0]!.received_at);
      expect(page.history).toMatchObject({ state: 'SUCCESS', retries: 3, name: `truth.${how === 'retry-self' ? 'retry_self' : 'retry_auto'}` });
    }, 60_000);
  }

  it('ends a task revoked with terminate as REVOKED in the list, on its page, in the bar and in /metrics', async () => {
    const { id } = await py<{ id: string }>('long', '30');
    await until(async () => (await row(id))?.state === 'STARTED', 20_000);
    // The control room comes back while it runs: the stored PROGRESS is read back (as after any reconnect).
    await room.stop();
    room = await open();
    await until(async () => (await row(id))?.state === 'PROGRESS', 20_000);
    expect((await ok(room.call('summary:get', {}))).active).toBe(1);

    await py('revoke-terminate', id);
    expect((await py<{ state: string }>('wait', id)).state).toBe('REVOKED');
    await until(async () => (await row(id))?.state === 'REVOKED', 20_000);
    expect((await ok(room.call('tasks:get', { id }))).history?.state).toBe('REVOKED');
    expect((await ok(room.call('tasks:search', { query: 'state:REVOKED' }))).tasks.map((t) => t.id)).toContain(id);
    expect((await ok(room.call('summary:get', {}))).active).toBe(0);
    expect(await metric('celery_task_revoked_total', { name: 'truth.long' })).toBe(1);
  }, 90_000);

  it("shows every member of a Python chord's header and every chain step, with their names", async () => {
    const { body, header } = await py<{ body: string; header: string[] }>('chord', '5');
    await until(async () => (await row(body))?.state === 'SUCCESS', 20_000);
    const w = await ok(room.call('tasks:workflow', { id: body }));
    const all = flatten(w.root);
    const group = all.find((n) => n.kind === 'group')!;
    expect(group.children.map((c) => c.id).sort()).toEqual([...header].sort());
    expect(group.children.map((c) => [c.name, c.state])).toEqual(header.map(() => ['truth.add', 'SUCCESS']));
    expect(group.state).toBe('5/5');
    expect(all.find((n) => n.id === body)).toMatchObject({ name: 'truth.tsum', state: 'SUCCESS' });

    const chain = await py<{ ids: string[] }>('chain-fail');
    await until(async () => (await row(chain.ids[1]!))?.state === 'FAILURE', 20_000);
    const steps = flatten((await ok(room.call('tasks:workflow', { id: chain.ids[1]! }))).root);
    expect(steps.map((n) => [n.id, n.name, n.state])).toEqual([[chain.ids[0], 'truth.add', 'SUCCESS'], [chain.ids[1], 'truth.fail', 'FAILURE']]);

    // A chain Celeriac sent (its messages kept): the steps after the failed one, which Celery
    // marks FAILURE without running them, are shown with their names and that state.
    const app = createApp({ broker: server.url, taskRecords: true });
    try {
      const last = await chainOf(app.signature('truth.add', [1, 2]), app.signature('truth.fail'), app.signature('truth.add', [3]), app.signature('truth.tsum')).applyAsync();
      const failed = last.parent!.parent!;
      await until(async () => (await row(failed.id))?.state === 'FAILURE', 20_000);
      const tail = flatten((await ok(room.call('tasks:workflow', { id: failed.id }))).root);
      expect(tail.map((n) => [n.name, n.state])).toEqual([['truth.add', 'SUCCESS'], ['truth.fail', 'FAILURE'], ['truth.add', 'FAILURE'], ['truth.tsum', 'FAILURE']]);
    } finally {
      await app.close();
    }
  }, 60_000);

  it("takes the queue of a Python worker's tasks from the one queue it consumes: queue:alpha finds all 10, /metrics one queue_name", async () => {
    const alpha = await startTruthWorker(server.url, ['alpha'], 'alpha');
    try {
      await until(async () => (await ok(room.call('workers:list', {}))).some((w) => w.name.startsWith('alpha@') && w.queues.join() === 'alpha'), 30_000);
      // The control room's enable_events casts turn its events on: send until one is heard.
      await until(async () => {
        const { ids } = await py<{ ids: string[] }>('send-to', 'alpha', '1');
        await new Promise((r) => setTimeout(r, 300));
        return (await row(ids[0]!))?.state === 'SUCCESS';
      }, 40_000);
      const { ids } = await py<{ ids: string[] }>('send-to', 'alpha', '10');
      await until(async () => (await Promise.all(ids.map(row))).every((t) => t?.state === 'SUCCESS'), 30_000);
      const found = (await ok(room.call('tasks:search', { query: 'queue:alpha', limit: 100 }))).tasks.map((t) => t.id);
      expect(ids.filter((id) => found.includes(id))).toEqual(ids);
      expect((await ok(room.call('tasks:get', { id: ids[0]! }))).history?.queue).toBe('alpha');
      // Every counter of the alpha worker's tasks under one queue_name.
      const m = parsePrometheusTextFormat((await room.metrics())!.body);
      for (const name of ['celery_task_sent_total', 'celery_task_received_total', 'celery_task_succeeded_total']) {
        const series = (m.find((f) => f.name === name)?.metrics ?? []).filter((x) => x.labels?.name === 'truth.add' && x.labels?.hostname?.startsWith('alpha@'));
        expect(series.map((x) => x.labels?.queue_name), name).toEqual(['alpha']);
      }
    } finally {
      await alpha.stop();
    }
  }, 120_000);

  it("counts the ETA tasks a Python worker holds in the bar's scheduled, as the Scheduled view lists them", async () => {
    const { id } = await py<{ id: string }>('eta', '120');
    await until(async () => (await ok(room.call('scheduled:list', {}))).tasks.some((t) => t.id === id), 20_000);
    const listed = (await ok(room.call('scheduled:list', {}))).tasks.length;
    // The bar asks the workers at most every few seconds: it catches up with the view.
    await until(async () => (await ok(room.call('summary:get', {}))).scheduled === listed, 20_000);
    expect(listed).toBeGreaterThanOrEqual(1);
    await py('revoke-terminate', id);
  }, 60_000);

  it("reads a queue's oldest age from the message when the history never saw it, and says when nothing tells", async () => {
    await room.stop();
    // Sent while nothing watched: Celeriac notes when it sent (its record); Python's message carries no time.
    const app = createApp({ broker: server.url, taskRecords: true });
    try {
      await app.sendTask('truth.add', [1, 2], {}, { queue: 'gamma' });
      await py('send-to', 'beta', '2');
    } finally {
      await app.close();
    }
    await new Promise((r) => setTimeout(r, 2000));
    room = await open();
    const queues = (await ok(room.call('overview:get', { range: '15m' }))).queues;
    const gamma = queues.find((q) => q.name === 'gamma')!;
    expect(gamma).toMatchObject({ depth: 1, oldestFrom: 'sent' });
    expect(gamma.oldestAgeS!).toBeGreaterThanOrEqual(2);
    expect(queues.find((q) => q.name === 'beta')).toMatchObject({ depth: 2, oldestAgeS: null, oldestFrom: 'unknown' });
  }, 60_000);
});
