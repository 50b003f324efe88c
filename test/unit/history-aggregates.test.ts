/**
 * The dashboard's aggregates and /metrics' totals, kept as the history is written: always equal
 * to counting the rows again (whatever order reports arrive in, and after the retention), the
 * percentiles read from bins within 2 % of the exact ones, counters that never go down, and a
 * version 2 history counted once when it opens.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binQuantile, runtimeBin } from '../../src-main/service/history/aggregates.js';
import { HistoryStore, type Report } from '../../src-main/service/history/history-store.js';

const T0 = 1_795_000_000;

/** The q-th quantile by nearest rank, from every value (what the bins stand in for). */
function exactQuantile(values: number[], q: number): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** What the aggregates should say, counted from the rows themselves. */
function recount(store: HistoryStore, from: number, width: number) {
  const db = (store as unknown as { db: Database.Database }).db;
  const rows = db.prepare('SELECT name, state, seen_at, runtime FROM tasks').all() as Array<{ name: string | null; state: string; seen_at: number; runtime: number | null }>;
  const states: Record<string, number> = {};
  const buckets = new Map<number, { succeeded: number; failed: number }>();
  const byName = new Map<string, { count: number; failed: number; runtimes: number[] }>();
  for (const r of rows) {
    states[r.state] = (states[r.state] ?? 0) + 1;
    if (r.state !== 'SUCCESS' && r.state !== 'FAILURE') continue;
    if (r.seen_at >= from) {
      const b = Math.floor((r.seen_at - from) / width);
      const got = buckets.get(b) ?? { succeeded: 0, failed: 0 };
      got[r.state === 'SUCCESS' ? 'succeeded' : 'failed']++;
      buckets.set(b, got);
    }
    const t = byName.get(r.name ?? '(unnamed)') ?? { count: 0, failed: 0, runtimes: [] };
    t.count++;
    if (r.state === 'FAILURE') t.failed++;
    if (r.runtime !== null) t.runtimes.push(r.runtime);
    byName.set(r.name ?? '(unnamed)', t);
  }
  return { states, buckets, byName };
}

const report = fc.record({
  id: fc.integer({ min: 0, max: 30 }).map((i) => `t${i}`),
  state: fc.constantFrom('PENDING', 'RECEIVED', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED'),
  name: fc.option(fc.constantFrom('tasks.add', 'tasks.resize'), { nil: undefined }),
  runtime: fc.option(fc.double({ min: 0, max: 30, noNaN: true }), { nil: undefined }),
  dt: fc.integer({ min: 0, max: 3000 }),
});

describe('the aggregates kept as the history is written', () => {
  it('equal counting the rows again, after any writes and the retention', () => {
    fc.assert(
      fc.property(fc.array(fc.array(report, { maxLength: 12 }), { maxLength: 12 }), fc.integer({ min: 1, max: 40 }), (bursts, keep) => {
        const store = new HistoryStore(':memory:');
        for (const burst of bursts) {
          const reports: Report[] = burst.map((r) => ({ id: r.id, state: r.state, fields: { ...(r.name ? { name: r.name } : {}), ...(r.runtime !== undefined ? { runtime: r.runtime } : {}) } }));
          store.applyMany(reports, T0 + (burst[0]?.dt ?? 0));
        }
        store.prune({ maxTasks: keep, maxAgeDays: 30 }, T0 + 3600);
        const from = Math.floor((T0 - 15 * 60) / 60) * 60; // as the overview's ranges start: a whole bucket
        const want = recount(store, from, 60);
        expect(store.stateCounts()).toEqual(want.states);
        expect(store.count()).toBe(Object.values(want.states).reduce((x, y) => x + y, 0));
        const got = new Map(store.throughput(from, 60).filter((b) => b.succeeded || b.failed).map((b) => [b.bucket, { succeeded: b.succeeded, failed: b.failed }]));
        expect(got).toEqual(want.buckets);
        for (const width of [60, 3600] as const) {
          const figures = store.taskFigures(from, width);
          expect(new Set(figures.map((f) => f.name))).toEqual(new Set(want.byName.keys()));
          for (const f of figures) {
            const t = want.byName.get(f.name)!;
            expect(f.count).toBe(t.count);
            expect(f.failureRate).toBeCloseTo(t.failed / t.count, 12);
            for (const [q, got] of [[0.5, f.p50], [0.95, f.p95]] as const) {
              const exact = exactQuantile(t.runtimes, q);
              if (exact === null || exact < 1e-6) expect(got ?? 0).toBeLessThanOrEqual(1e-6);
              else expect(Math.abs(got! - exact) / exact).toBeLessThanOrEqual(0.0197);
            }
          }
        }
        store.close();
      }),
      { numRuns: 150 },
    );
  });

  it('read percentiles from bins within 2 % of the exact ones', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1e-5, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), (values, q) => {
        const bins = new Map<number, number>();
        for (const v of values) bins.set(runtimeBin(v), (bins.get(runtimeBin(v)) ?? 0) + 1);
        const exact = exactQuantile(values, q)!;
        expect(Math.abs(binQuantile(bins, q)! - exact) / exact).toBeLessThanOrEqual(0.0197);
      }),
    );
  });

  it("keep /metrics' counters going up: a failure later retried to success counts both, the retention takes nothing back", () => {
    const store = new HistoryStore(':memory:');
    const fields = { name: 'tasks.add', worker: 'celery@py1', queue: 'celery' };
    store.applyMany([{ id: 'a', state: 'PENDING', fields }], T0);
    store.applyMany([{ id: 'a', state: 'FAILURE', fields: { ...fields, exception: "KeyError('w')", runtime: 0.2, started_at: T0 + 1 } }], T0 + 1);
    store.applyMany([{ id: 'a', state: 'SUCCESS', fields: { ...fields, runtime: 0.03, started_at: T0 + 5, retries: 1 } }], T0 + 5);
    const c = store.metricCounts();
    expect(c.tasks).toEqual([{ ...fields, sent: 1, received: 0, started: 2, succeeded: 1, revoked: 0, retried: 1 }]);
    expect(c.failed).toEqual([{ ...fields, exception: 'KeyError', n: 1 }]);
    expect(c.runtime).toEqual([{ ...fields, count: 2, sum: expect.closeTo(0.23, 9), le: [0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2] }]);
    expect(store.prune({ maxTasks: 0, maxAgeDays: 30 }, T0 + 10)).toBe(1);
    expect(store.metricCounts()).toEqual(c);
    expect(store.stateCounts()).toEqual({});
    store.close();
  });

  it('are counted once from the rows when a version 2 history opens, and kept on disk', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'celeriac-aggregates-')), 'h.sqlite');
    const first = new HistoryStore(path);
    first.applyMany(Array.from({ length: 50 }, (_, i) => ({ id: `t${i}`, state: i % 5 ? 'SUCCESS' : 'FAILURE', fields: { name: 'tasks.add', runtime: i / 100, queue: 'celery' } })), T0);
    const before = { states: first.stateCounts(), tasks: first.taskFigures(T0 - 60, 60), metrics: first.metricCounts() };
    first.close();
    const reopened = new HistoryStore(path);
    expect({ states: reopened.stateCounts(), tasks: reopened.taskFigures(T0 - 60, 60), metrics: reopened.metricCounts() }).toEqual(before);
    reopened.close();
    // As version 2 left it: the rows, none of the aggregates.
    const db = new Database(path);
    db.exec('DROP TABLE aggregates; DROP TABLE metric_totals; PRAGMA user_version = 2');
    db.close();
    const migrated = new HistoryStore(path);
    expect({ states: migrated.stateCounts(), tasks: migrated.taskFigures(T0 - 60, 60), metrics: migrated.metricCounts() }).toEqual(before);
    expect(before.states).toEqual({ SUCCESS: 40, FAILURE: 10 });
    migrated.close();
  });
});
