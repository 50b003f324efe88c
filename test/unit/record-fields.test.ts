/** Celeriac's records in the history: announcements and records as reports, merged with events by Celery's rules. */
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { announcedReport, recordReport } from '../../src-main/service/history/record-fields.js';

const ev = (type: string, uuid: string, fields: Record<string, unknown> = {}): CeleryEvent =>
  ({ type, uuid, hostname: 'celeriac@w1', utcoffset: 0, pid: 1, clock: 1, timestamp: 1_795_000_000, ...fields }) as CeleryEvent;

describe('records in the history', () => {
  it('reads a record into the history columns, its error as Python\'s repr() writes an exception', () => {
    const report = recordReport({
      id: 'r1', name: 'tasks.resize', queue: 'images', state: 'FAILURE', argsrepr: "('a.jpg',)", kwargsrepr: '{}', priority: 3, eta: null,
      retries: 1, group: 'batch-1', worker: 'celeriac@w1', started: 1_795_000_000_000, finished: 1_795_000_001_500, runtime: 1.5,
      error: { type: 'KeyError', message: "no 'size'" }, progress: { current: 2, total: 4 },
    });
    expect(report).toEqual({
      id: 'r1', state: 'FAILURE',
      fields: {
        name: 'tasks.resize', args: "('a.jpg',)", kwargs: '{}', queue: 'images', retries: 1, group_id: 'batch-1', worker: 'celeriac@w1',
        started_at: 1_795_000_000, failed_at: 1_795_000_001.5, runtime: 1.5, exception: `KeyError("no 'size'")`, progress_current: 2, progress_total: 4,
      },
    });
    expect(announcedReport({ id: 'a', state: 'PENDING', group: null, at: 0 })).toEqual({ id: 'a', state: 'PENDING', fields: {} });
  });

  it('never lets a late announcement of PENDING undo what the events said, and folds both into one row', () => {
    const store = new HistoryStore(':memory:');
    const changed = store.apply(
      [ev('task-received', 't1', { name: 'tasks.add', args: '(1, 2)' }), ev('task-succeeded', 't1', { result: '3', runtime: 0.01 })],
      [announcedReport({ id: 't1', state: 'PENDING', group: 'g1', at: 0 }), announcedReport({ id: 't2', state: 'PENDING', group: null, at: 0 })],
    );
    expect(changed).toEqual([{ id: 't1', state: 'SUCCESS', named: true }, { id: 't2', state: 'PENDING', named: false }]);
    expect(store.get('t1')).toMatchObject({ state: 'SUCCESS', name: 'tasks.add', result: '3', group_id: 'g1' });
    // A custom state (PROGRESS) ranks above STARTED and below SUCCESS, as in Celery.
    store.applyMany([{ id: 't2', state: 'STARTED', fields: {} }, { id: 't2', state: 'PROGRESS', fields: { progress_current: 1, progress_total: 2 } }]);
    store.applyEvents([ev('task-started', 't2')]);
    expect(store.get('t2')).toMatchObject({ state: 'PROGRESS', progress_current: 1 });
    store.close();
  });
});
