/**
 * The failure-group probe reads incrementally: the baseline page by page (the event loop let go
 * between pages), then only the failures written since the last read, and works out new and
 * regressed groups from them and the triage marks.
 */
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import type { Readings } from '../../src-main/service/alerts/probes/readings.js';
import { FailureGroupWatch } from '../../src-main/service/alerts/probes/failure-group.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';

const T0 = 1_800_000_000;
const rule = { id: 'g', name: '', enabled: true, kind: 'failure-group', on: 'both' } as const;
const key = (message: string): string => `tasks.fail\u001fValueError\u001f${message}`;

function received(uuid: string, at: number): CeleryEvent {
  return { type: 'task-received', uuid, hostname: 'celery@w', timestamp: at, utcoffset: 0, pid: 1, clock: 1, local_received: at, name: 'tasks.fail', args: '()', kwargs: '{}', retries: 0, root_id: uuid, parent_id: null, eta: null, expires: null } as CeleryEvent;
}
function failed(uuid: string, at: number, message: string): CeleryEvent {
  return { type: 'task-failed', uuid, hostname: 'celery@w', timestamp: at, utcoffset: 0, pid: 1, clock: 2, local_received: at, exception: `ValueError('${message}')`, traceback: 'Traceback' } as CeleryEvent;
}

/** A history whose reads are counted by method, and a probe on it. */
function watched(pageRows: number): { store: HistoryStore; calls: Map<string, number>; probe: (now: number) => Promise<Map<string, string> | null> } {
  const store = new HistoryStore(':memory:');
  const calls = new Map<string, number>();
  const history = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const watch = new FailureGroupWatch(0, pageRows);
  return { store, calls, probe: (now) => watch.probe(rule, { now, sources: { history } } as unknown as Readings) };
}

describe('the failure-group probe, read incrementally', () => {
  it('reads the baseline page by page, letting the event loop go between pages, and none of it is new', async () => {
    const { store, calls, probe } = watched(2);
    store.applyEvents(Array.from({ length: 5 }, (_, i) => [received(`t${i}`, T0 + i), failed(`t${i}`, T0 + i + 0.5, `cause ${String.fromCharCode(97 + i)}`)]).flat(), T0 + 10);
    let letGo = false;
    setImmediate(() => (letGo = true));
    expect(await probe(1)).toEqual(new Map());
    expect(letGo).toBe(true);
    expect(calls.get('failurePage')).toBe(3);
    // Each of the five groups (two per page) is in the baseline: a failure of any is not new.
    store.applyEvents([received('u0', T0 + 20), failed('u0', T0 + 20.5, 'cause a'), received('u4', T0 + 21), failed('u4', T0 + 21.5, 'cause e')], T0 + 30);
    expect(await probe(2)).toEqual(new Map());
    store.close();
  });

  it('reads only what was written since the last read: an old group failing again is not new, a new one is news once', async () => {
    const { store, calls, probe } = watched(1000);
    store.applyEvents([received('t0', T0), failed('t0', T0 + 1, 'old 1')], T0 + 2);
    expect(await probe(1)).toEqual(new Map());
    // Received before the read, failed after: its row was written since.
    store.applyEvents([received('t1', T0 + 3), received('t2', T0 + 3)], T0 + 4);
    expect(await probe(2)).toEqual(new Map());
    store.applyEvents([failed('t1', T0 + 5, 'old 2'), failed('t2', T0 + 5, 'fresh 7')], T0 + 6);
    expect(await probe(3)).toEqual(new Map([[key('fresh <n>'), 'new failure group: tasks.fail: ValueError(fresh <n>) (1 so far)']]));
    store.applyEvents([received('t3', T0 + 7), failed('t3', T0 + 8, 'fresh 8')], T0 + 9);
    expect(await probe(4)).toEqual(new Map());
    expect(calls.get('failurePage')).toBe(1);
    expect(calls.get('failures')).toBeUndefined();
    store.close();
  });

  it('a resolved group regresses with a failure after its mark, holds while marked so, and stops once marked resolved again', async () => {
    const { store, probe } = watched(1000);
    store.applyEvents([received('t0', T0), failed('t0', T0 + 1, 'printer 1 on fire')], T0 + 2);
    expect(await probe(1)).toEqual(new Map());
    store.markTriage(key('printer <n> on fire'), 'resolved', T0 + 3);
    expect(await probe(2)).toEqual(new Map());
    store.applyEvents([received('t1', T0 + 4), failed('t1', T0 + 5, 'printer 2 on fire')], T0 + 6);
    const regressed = new Map([[key('printer <n> on fire'), 'failure group failing again since it was resolved: tasks.fail: ValueError(printer <n> on fire) (1 since)']]);
    expect(await probe(3)).toEqual(regressed);
    expect(await probe(4)).toEqual(regressed);
    store.markTriage(key('printer <n> on fire'), 'resolved', T0 + 7);
    expect(await probe(5)).toEqual(new Map());
    store.close();
  });
});
