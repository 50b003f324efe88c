/** The history feed's writes: a big flush goes in chunks, each task's events together (one write per task). */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import type { TaskRecords } from '../../src-main/core/records/record-store.js';
import { HistoryFeed } from '../../src-main/service/history/history-feed.js';

describe('the history feed', () => {
  it('writes a flush of 5,000 tasks in chunks, each task once, with its final state', async () => {
    const told = new Map<string, string[]>();
    const feed = new HistoryFeed(':memory:', {} as Redis, {} as TaskRecords, (changed) => {
      for (const c of changed) told.set(c.id, [...(told.get(c.id) ?? []), c.state]);
    });
    const events: CeleryEvent[] = [];
    for (let i = 0; i < 5000; i++) {
      const base = { uuid: `t-${i}`, hostname: 'w@h', utcoffset: 0, pid: 1, clock: i, timestamp: 1_795_000_000 + i };
      events.push({ ...base, type: 'task-received', name: 'tasks.add', args: '(1, 2)' } as CeleryEvent);
    }
    // Their ends come after every start: a chunk by position would split each task in two.
    for (let i = 0; i < 5000; i++) events.push({ uuid: `t-${i}`, type: 'task-succeeded', hostname: 'w@h', utcoffset: 0, pid: 1, clock: i, result: '3', timestamp: 1_795_000_001 + i } as CeleryEvent);
    feed.push(events);
    await feed.stop();
    expect(told.size).toBe(5000);
    expect([...told.values()].every((states) => states.length === 1 && states[0] === 'SUCCESS')).toBe(true);
  });
});
