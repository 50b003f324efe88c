/**
 * /metrics' totals bounded as any producer's names are: a few hundred values per label (the
 * rest under `other`, nothing lost from the sums), the exception label a short type, label sets
 * not counted within the retention pruned with it, and a history counted before the bounds
 * brought under them when it opens.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { DEFAULT_METRIC_LIMITS, MAX_EXCEPTION_CHARS, OTHER } from '../../src-main/service/history/metric-totals.js';
import { renderMetrics } from '../../src-main/service/overview/metrics.js';

const ev = (type: string, uuid: string, fields: Record<string, unknown> = {}): CeleryEvent =>
  ({ type, uuid, hostname: 'w1@host', utcoffset: 0, pid: 1, clock: 1, timestamp: Date.now() / 1000, ...fields }) as CeleryEvent;

/** `n` tasks, each of its own name, received and succeeded. */
const namedTasks = (prefix: string, n: number): CeleryEvent[] =>
  Array.from({ length: n }, (_, i) => [ev('task-received', `${prefix}-${i}`, { name: `${prefix}.task${i}`, queue: 'celery' }), ev('task-succeeded', `${prefix}-${i}`, { runtime: 0.01 })]).flat();

const sentBy = (store: HistoryStore): Map<string, number> => new Map(store.metricCounts().tasks.map((t) => [t.name, t.sent]));

afterEach(() => {
  vi.useRealTimers();
});

describe('metric totals', () => {
  it('keeps a few hundred task names, counts the rest under other, and the sums stay whole', async () => {
    const store = new HistoryStore(':memory:');
    store.applyEvents(namedTasks('n', 1000));
    const sent = sentBy(store);
    expect(sent.size).toBe(DEFAULT_METRIC_LIMITS.maxLabelValues + 1);
    expect(sent.get(OTHER)).toBe(1000 - DEFAULT_METRIC_LIMITS.maxLabelValues);
    expect([...sent.values()].reduce((a, b) => a + b, 0)).toBe(1000);
    // A name already kept stays itself.
    store.applyEvents([ev('task-received', 'again', { name: 'n.task7', queue: 'celery' })]);
    expect(sentBy(store).get('n.task7')).toBe(2);

    const page = await renderMetrics({ history: store, workers: () => [], queues: async () => [] });
    const succeeded = page.body.split('\n').filter((l) => l.startsWith('celery_task_succeeded_total{'));
    expect(succeeded).toHaveLength(DEFAULT_METRIC_LIMITS.maxLabelValues + 1);
    store.close();
  });

  it('labels a failure by its exception type, cut short, never by its message', () => {
    const store = new HistoryStore(':memory:');
    const longType = `E${'x'.repeat(500)}`;
    store.applyEvents([
      ev('task-failed', 'f1', { name: 'tasks.fail', exception: `ValueError('${'m'.repeat(70_000)}')` }),
      ev('task-failed', 'f2', { name: 'tasks.fail', exception: `${longType}('boom')` }),
    ]);
    const labels = store.metricCounts().failed.map((f) => f.exception).sort();
    expect(labels[0]).toHaveLength(MAX_EXCEPTION_CHARS);
    expect(labels[1]).toBe('ValueError');
    store.close();
  });

  it('prunes the label sets not counted within the retention, from memory and from the file', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2026-11-01T00:00:00Z');
    vi.setSystemTime(t0);
    const path = join(mkdtempSync(join(tmpdir(), 'celeriac-totals-')), 'history.sqlite');
    const store = new HistoryStore(path);
    store.applyEvents(namedTasks('old', 5));
    vi.setSystemTime(t0 + 20 * 86_400_000);
    store.applyEvents(namedTasks('new', 5));
    store.prune({ maxTasks: 1_000_000, maxAgeDays: 30 }, t0 / 1000 + 31 * 86_400);
    expect([...sentBy(store).keys()].sort()).toEqual(['new.task0', 'new.task1', 'new.task2', 'new.task3', 'new.task4']);
    store.close();
    const db = new Database(path, { readonly: true });
    const keys = (db.prepare('SELECT key FROM metric_totals').pluck().all() as string[]);
    db.close();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.some((k) => k.includes('old.task'))).toBe(false);
  });

  it('keeps the totals of a label set counted back to back for longer than the retention', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2026-11-01T00:00:00Z');
    const store = new HistoryStore(':memory:');
    // One task a day, always the same labels, each day's in a write of its own.
    for (let day = 0; day <= 40; day++) {
      vi.setSystemTime(t0 + day * 86_400_000);
      store.applyEvents([ev('task-received', `steady-${day}`, { name: 'steady.task', queue: 'celery' }), ev('task-succeeded', `steady-${day}`, { runtime: 0.01 })]);
    }
    store.prune({ maxTasks: 1_000_000, maxAgeDays: 30 }, t0 / 1000 + 40 * 86_400);
    expect(sentBy(store).get('steady.task')).toBe(41);
    store.close();
  });

  it('brings totals counted before the bounds under them when the history opens', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'celeriac-totals-')), 'history.sqlite');
    new HistoryStore(path).close();
    const db = new Database(path);
    const insert = db.prepare('INSERT INTO metric_totals (key, n) VALUES (?, ?)');
    for (let i = 0; i < 2000; i++) insert.run(`sent\t${JSON.stringify([`legacy.task${i}`, 'w1@host', 'celery'])}\t""`, 2);
    db.close();
    const store = new HistoryStore(path);
    const sent = sentBy(store);
    expect(sent.size).toBe(DEFAULT_METRIC_LIMITS.maxLabelValues + 1);
    expect([...sent.values()].reduce((a, b) => a + b, 0)).toBe(4000);
    // The next write stores them moved; zero rows go with the next prune.
    store.applyEvents(namedTasks('x', 1));
    store.prune();
    store.close();
    const again = new Database(path, { readonly: true });
    const rows = again.prepare("SELECT count(*) FROM metric_totals WHERE key LIKE 'sent%'").pluck().get() as number;
    again.close();
    expect(rows).toBe(DEFAULT_METRIC_LIMITS.maxLabelValues + 1);
    const reopened = new HistoryStore(path);
    expect([...sentBy(reopened).values()].reduce((a, b) => a + b, 0)).toBe(4001);
    reopened.close();
  });
});
