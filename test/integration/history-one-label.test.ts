/**
 * /metrics counts each task under one set of labels: a task the history first knew only by its
 * announcement (no name, no queue: a task the Send form or `celeriac call` sent) is counted once
 * its record names it, not as sent under queue_name "" and finished under its queue.
 */
import { describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src-main/service/history/history-store.js';

describe('the metric totals of a task learnt in steps', () => {
  it('counts an announced task under the labels its record gives it, once', () => {
    const store = new HistoryStore(':memory:');
    store.applyMany([{ id: 't1', state: 'PENDING', fields: {} }], 100);
    store.applyMany([{ id: 't1', state: 'PENDING', fields: { name: 'tasks.add', queue: 'alpha' } }], 101);
    store.applyMany([{ id: 't1', state: 'SUCCESS', fields: { worker: 'w@h', started_at: 102, runtime: 0.5 } }], 103);
    const { tasks, runtime } = store.metricCounts();
    // (Its worker label is the worker known when each counter moved: none when it was sent.)
    expect(new Set(tasks.map((t) => `${t.name} ${t.queue}`))).toEqual(new Set(['tasks.add alpha']));
    const sum = (k: 'sent' | 'succeeded' | 'started'): number => tasks.reduce((n, t) => n + t[k], 0);
    expect([sum('sent'), sum('started'), sum('succeeded')]).toEqual([1, 1, 1]);
    expect(runtime.map((r) => r.queue)).toEqual(['alpha']);
    store.close();
  });
});
