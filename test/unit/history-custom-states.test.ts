/**
 * A custom state (PROGRESS, from a result stored by update_state or a Celeriac record) is a
 * running state in the history's merge: a revoke, a failure or a success after it ends the task,
 * and a late task-started does not step it back. Celery ranks an unknown state above REVOKED,
 * which kept a task revoked while it reported progress running for good.
 */
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { precedence } from '../../src-main/service/history/merge.js';

const ev = (type: string, t: number): CeleryEvent => ({ type, uuid: 'p1', hostname: 'w@h', utcoffset: 0, pid: 1, clock: t, timestamp: t }) as CeleryEvent;

describe('custom states in the merge', () => {
  it('ranks a custom state between REVOKED and STARTED', () => {
    expect(precedence('PROGRESS')).toBeGreaterThan(precedence('REVOKED'));
    expect(precedence('PROGRESS')).toBeLessThan(precedence('STARTED'));
    expect(precedence('FAILURE')).toBeLessThan(precedence('REVOKED'));
  });

  it('ends a task that reported PROGRESS when it is revoked, and keeps it ended', () => {
    const store = new HistoryStore(':memory:');
    store.applyEvents([ev('task-received', 1), ev('task-started', 2)], 10);
    store.applyMany([{ id: 'p1', state: 'PROGRESS', fields: {} }], 11);
    store.applyEvents([ev('task-started', 3)], 12);
    expect(store.get('p1')!.state).toBe('PROGRESS');
    store.applyEvents([ev('task-revoked', 4)], 13);
    expect(store.get('p1')!.state).toBe('REVOKED');
    store.applyMany([{ id: 'p1', state: 'PROGRESS', fields: {} }], 14);
    expect(store.get('p1')!.state).toBe('REVOKED');
    expect(store.stateCounts()).toEqual({ REVOKED: 1 });
    store.close();
  });
});
