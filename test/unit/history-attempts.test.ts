/**
 * A retried task's runs from its events, whatever order a prefork worker reports them in: a
 * run's task-received may come before the task-retried of the run before it (the re-sent message
 * is fetched while the pool still reports), and the history may join after the first run began.
 */
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { MAX_ATTEMPTS } from '../../src-main/service/history/attempts.js';

const ev = (type: string, t: number, fields: Record<string, unknown> = {}): CeleryEvent =>
  ({ type, uuid: 'r1', hostname: 'w@h', utcoffset: 0, pid: 1, clock: t, timestamp: t, ...fields }) as CeleryEvent;

describe("a retried task's runs", () => {
  it('gives each event its run when the next run is received before the retry is reported', () => {
    const store = new HistoryStore(':memory:');
    const events = [
      ev('task-received', 10, { name: 't.flaky', retries: 0 }), ev('task-started', 11),
      ev('task-received', 12.5, { name: 't.flaky', retries: 1 }),
      ev('task-retried', 12, { exception: "KeyError('a')" }), ev('task-started', 13),
      ev('task-succeeded', 14, { result: '1', runtime: 1 }),
    ];
    // One event per write, as they would come over several flushes.
    for (const e of events) store.applyEvents([e], 100);
    expect(store.attempts('r1')).toEqual([
      { n: 0, state: 'RETRY', worker: 'w@h', received_at: 10, started_at: 11, ended_at: 12, exception: "KeyError('a')" },
      { n: 1, state: 'SUCCESS', worker: 'w@h', received_at: 12.5, started_at: 13, ended_at: 14, exception: null },
    ]);
    expect(store.get('r1')).toMatchObject({ state: 'SUCCESS', received_at: 10, retries: 1 });
    store.close();
  });

  it('folds the same events in one write as in several', () => {
    const store = new HistoryStore(':memory:');
    store.applyEvents([
      ev('task-received', 10, { retries: 0 }), ev('task-started', 11), ev('task-retried', 12, { exception: "KeyError('a')" }),
      ev('task-received', 13, { retries: 1 }), ev('task-started', 14), ev('task-failed', 15, { exception: "KeyError('b')" }),
    ], 100);
    expect(store.attempts('r1').map((r) => [r.n, r.state, r.received_at, r.exception])).toEqual([[0, 'RETRY', 10, "KeyError('a')"], [1, 'FAILURE', 13, "KeyError('b')"]]);
    store.close();
  });

  it('keeps a task retried without end bounded: its first run and the latest', () => {
    const store = new HistoryStore(':memory:');
    for (let i = 0; i < MAX_ATTEMPTS + 20; i++) store.applyEvents([ev('task-received', i * 3, { retries: i }), ev('task-started', i * 3 + 1), ev('task-retried', i * 3 + 2)], 100);
    const runs = store.attempts('r1');
    expect(runs).toHaveLength(MAX_ATTEMPTS);
    expect(runs[0]!.n).toBe(0);
    expect(runs.at(-1)!.n).toBe(MAX_ATTEMPTS + 19);
    store.close();
  });

  it('drops the runs with their task when the retention drops it', () => {
    const store = new HistoryStore(':memory:');
    store.applyEvents([ev('task-received', 10, { retries: 0 }), ev('task-retried', 11), ev('task-received', 12, { retries: 1 })], 100);
    expect(store.attempts('r1')).toHaveLength(2);
    expect(store.prune({ maxTasks: 0, maxAgeDays: 30 }, 200)).toBe(1);
    expect(store.attempts('r1')).toEqual([]);
    store.close();
  });

  it('keeps a failed run ended, with its error, when the task is sent again under its id and runs', () => {
    const store = new HistoryStore(':memory:');
    store.applyEvents([ev('task-received', 10, { retries: 0 }), ev('task-started', 11), ev('task-failed', 12, { exception: "ValueError('x')" })], 100);
    store.applyEvents([ev('task-received', 20, { retries: 1 }), ev('task-started', 21), ev('task-succeeded', 22)], 100);
    expect(store.attempts('r1').map((r) => [r.n, r.state, r.ended_at, r.exception])).toEqual([[0, 'FAILURE', 12, "ValueError('x')"], [1, 'SUCCESS', 22, null]]);
    expect(store.get('r1')!.state).toBe('SUCCESS');
    store.close();
  });

  it('keeps nothing for a task run once', () => {
    const store = new HistoryStore(':memory:');
    store.applyEvents([ev('task-received', 10, { retries: 0 }), ev('task-started', 11), ev('task-succeeded', 12)], 100);
    expect(store.attempts('r1')).toEqual([]);
    store.close();
  });
});
