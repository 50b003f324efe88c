/** The worker table's bound: Celery's max_workers_in_memory, evicting the offline first, then those heard once, then the longest silent. */
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { WorkersState } from '../../src-main/service/cluster/workers-state.js';
import { eventDropsNote, WORKERS_FORGOTTEN } from '../../src-main/service/cluster/event-drops-note.js';

const beat = (hostname: string, type = 'worker-heartbeat', freq = 2): CeleryEvent =>
  ({ type, hostname, utcoffset: 0, pid: 1, clock: 1, timestamp: 0, freq }) as CeleryEvent;
const names = (s: WorkersState): string[] => s.list().map((w) => w.hostname).sort();

describe('the worker table', () => {
  it('makes room for a new worker by evicting an offline one first', () => {
    const s = new WorkersState(3);
    s.apply([beat('a'), beat('b'), beat('c')], 0);
    s.apply([beat('a'), beat('b'), beat('c')], 1000);
    s.apply([beat('b', 'worker-offline')], 2000);
    s.apply([beat('d')], 3000);
    expect(names(s)).toEqual(['a', 'c', 'd']);
  });

  it('then one heard from once, then the longest silent', () => {
    const s = new WorkersState(3);
    s.apply([beat('real1'), beat('real2')], 0);
    s.apply([beat('real1'), beat('real2')], 1000);
    s.apply([beat('fake1', 'worker-heartbeat', 3600)], 1500);
    s.apply([beat('fake2', 'worker-heartbeat', 3600)], 1600);
    expect(names(s)).toEqual(['fake2', 'real1', 'real2']);
    s.apply([beat('fake2')], 1700);
    s.apply([beat('new')], 1800);
    // Every one heard twice, all online: the longest silent (real1, heard at 1000, before real2) goes.
    expect(names(s)).toEqual(['fake2', 'new', 'real2']);
  });

  it('takes a heartbeat frequency of at most five minutes', () => {
    const s = new WorkersState();
    s.apply([beat('slow', 'worker-heartbeat', 1e9)], 0);
    const w = s.list()[0]!;
    expect(w.freq).toBe(300);
    expect(WorkersState.online(w, 601_000)).toBe(false);
  });

  it('counts the workers it forgot, and the status note says so', () => {
    const s = new WorkersState(2);
    s.apply([beat('a'), beat('b')], 0);
    s.apply([beat('c')], 10_000);
    s.apply([beat('d')], 10_001);
    expect(s.forgotten).toBe(2);
    expect(eventDropsNote({ [WORKERS_FORGOTTEN]: s.forgotten })).toMatch(/^workers forgotten: 2 \(/);
  });
});
