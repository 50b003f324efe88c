/**
 * Failure triage over the history itself, with events whose times are set: a failure counts as
 * "since" a mark by when it failed, not by when the history heard of it; a task run again under
 * its id that fails again regresses its group, a retrying one by its run's end; the ignored
 * groups' count reads only their task names' failures, and is kept between reads while nothing
 * changed.
 */
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { failureGroups } from '../../src-main/service/overview/failure-groups.js';
import { ignoredFailures } from '../../src-main/service/overview/ignored-failures.js';

const T0 = 1_795_000_000;

const event = (fields: Record<string, unknown>): CeleryEvent => ({ hostname: 'celery@py1', ...fields }) as unknown as CeleryEvent;
/** A task received and failed at `at` (its worker's clock). */
const failed = (id: string, name: string, message: string, at: number): CeleryEvent[] => [
  event({ type: 'task-received', uuid: id, name, timestamp: at - 0.1 }),
  event({ type: 'task-failed', uuid: id, timestamp: at, exception: `ValueError('${message}')` }),
];
const groupOf = (store: HistoryStore, name: string) => failureGroups(store, { includeIgnored: true }).groups.find((g) => g.name === name)!;

describe('failure triage in the history', () => {
  it('counts a failure since the mark by when it failed, and a task failing again under its id as a regression', () => {
    const store = new HistoryStore(':memory:');
    try {
      store.applyEvents(failed('a', 'tasks.pay', 'card 1 declined', T0), T0);
      const key = groupOf(store, 'tasks.pay').key;
      store.markTriage(key, 'resolved', T0 + 10);
      // Heard of after the mark, but it failed before it: no regression.
      store.applyEvents(failed('b', 'tasks.pay', 'card 2 declined', T0 + 9), T0 + 11);
      expect(groupOf(store, 'tasks.pay').triage).toEqual({ state: 'resolved', at: T0 + 10, countSince: 0, regressed: false });
      // The first task sent again under its id fails again: it regresses the group.
      store.applyEvents(failed('a', 'tasks.pay', 'card 1 declined', T0 + 20), T0 + 20);
      expect(groupOf(store, 'tasks.pay')).toMatchObject({ count: 2, triage: { state: 'resolved', countSince: 1, regressed: true } });
    } finally {
      store.close();
    }
  });

  it('counts a retrying task by the end of its last run', () => {
    const store = new HistoryStore(':memory:');
    try {
      const retried = (at: number): CeleryEvent => event({ type: 'task-retried', uuid: 'r', timestamp: at, exception: "ValueError('gateway 5 busy')" });
      store.applyEvents([event({ type: 'task-received', uuid: 'r', name: 'tasks.charge', timestamp: T0 }), retried(T0 + 1)], T0 + 1);
      const key = groupOf(store, 'tasks.charge').key;
      store.markTriage(key, 'resolved', T0 + 5);
      // Written again after the mark (a view's read), but its run ended before it.
      store.applyMany([{ id: 'r', state: 'RETRY', fields: { result: 'x' } }], T0 + 30);
      expect(groupOf(store, 'tasks.charge').triage).toMatchObject({ countSince: 0, regressed: false });
      store.applyEvents([event({ type: 'task-received', uuid: 'r', retries: 1, timestamp: T0 + 40 }), event({ type: 'task-started', uuid: 'r', timestamp: T0 + 40 }), retried(T0 + 41)], T0 + 41);
      expect(groupOf(store, 'tasks.charge').triage).toMatchObject({ countSince: 1, regressed: true });
    } finally {
      store.close();
    }
  });

  it('counts the ignored groups\' failures from their task names only, and keeps the count while nothing changed', () => {
    const store = new HistoryStore(':memory:');
    try {
      const events: CeleryEvent[] = [];
      for (let i = 0; i < 30; i++) events.push(...failed(`m-${i}`, 'tasks.mail', `mailbox ${i} full`, T0 + i));
      for (let i = 0; i < 20; i++) events.push(...failed(`o-${i}`, 'tasks.other', `mailbox ${i} full`, T0 + i));
      for (let i = 0; i < 5; i++) events.push(...failed(`q-${i}`, 'tasks.mail', `quota ${i} spent`, T0 + i));
      store.applyEvents(events, T0 + 100);
      const failures = store.stateCounts().FAILURE!;
      expect(failures).toBe(55);
      expect(ignoredFailures(store, failures)).toBe(0);

      const names: Array<ReadonlyArray<string | null>> = [];
      const read = store.failuresNamed.bind(store);
      store.failuresNamed = (n, limit, chars) => {
        names.push(n);
        return read(n, limit, chars);
      };
      store.markTriage(groupOf(store, 'tasks.mail').key, 'ignored', T0 + 200);
      const now = Date.now();
      expect(ignoredFailures(store, failures, now)).toBe(30);
      expect(names).toEqual([['tasks.mail']]);
      // Nothing changed: the count is kept, not read again.
      expect(ignoredFailures(store, failures, now + 10_000)).toBe(30);
      expect(names).toHaveLength(1);
      // A failure came: read again (past the pause between two reads).
      store.applyEvents(failed('m-new', 'tasks.mail', 'mailbox 99 full', T0 + 300), T0 + 300);
      expect(ignoredFailures(store, failures + 1, now + 20_000)).toBe(31);
      expect(names).toHaveLength(2);
      // The marks changed: read again at once.
      store.markTriage(groupOf(store, 'tasks.mail').key, 'open', T0 + 400);
      expect(ignoredFailures(store, failures + 1, now + 20_001)).toBe(0);
      expect(failureGroups(store).ignored).toBe(0);
    } finally {
      store.close();
    }
  });
});
