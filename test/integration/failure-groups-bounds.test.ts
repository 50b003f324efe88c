/**
 * Failure groups read a bounded amount of the history: thousands of failures with large
 * tracebacks are grouped from their exceptions' beginnings, and only the newest task of each
 * group has its traceback read, so the groups are the same and the bytes read are not the
 * tracebacks' sum.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { CAUSE_CHARS, PATTERN_CHARS, GROUP_TRACEBACK_CHARS, TRACEBACK_GROUPS, failureGroups, groupIds } from '../../src-main/service/overview/failure-groups.js';

const T0 = 1_795_000_000;
const FAILURES = 5000;
/** Shared by every traceback, so the test's own strings stay small (concatenations of it). */
const FILLER = `  File "/srv/app/deep.py", line 7, in step\n    return step(n - 1)\n`.repeat(800);
const LONG_WORDS = 'the row could not be parsed because '.repeat(100);

/** The i-th failure: three causes, each with its own numbers, and tracebacks of about 60 kB. */
function failure(i: number): CeleryEvent[] {
  const id = `f-${i}`;
  const [name, exception, last] =
    i % 3 === 0 ? ['tasks.fetch', `ValueError('user ${i} not found')`, `ValueError: user ${i} not found`]
    : i % 3 === 1 ? ['tasks.fetch', `KeyError('size ${i}')`, `KeyError: 'size ${i}'`]
    : ['tasks.parse', `ValueError('row ${i}: ${LONG_WORDS}at column ${i}')`, `ValueError: row ${i}`];
  const at = T0 + i;
  return [
    { type: 'task-received', uuid: id, name, hostname: 'celery@py1', timestamp: at } as unknown as CeleryEvent,
    { type: 'task-failed', uuid: id, hostname: 'celery@py1', timestamp: at + 0.5, exception, traceback: `Traceback (most recent call last):\n${FILLER}${last}\n` } as unknown as CeleryEvent,
  ];
}

/** The store with the characters each read of it returned counted (rows and tracebacks). */
function counted(store: HistoryStore): { store: HistoryStore; chars: () => number } {
  let chars = 0;
  const sum = (row: unknown): void => {
    if (typeof row === 'string') chars += row.length;
    else if (row && typeof row === 'object') for (const v of Object.values(row)) if (typeof v === 'string') chars += v.length;
  };
  const failures = store.failures.bind(store);
  const traceback = store.traceback.bind(store);
  store.failures = function* (limit: number, exceptionChars: number) {
    for (const row of failures(limit, exceptionChars)) { sum(row); yield row; }
  } as HistoryStore['failures'];
  store.traceback = (id: string) => { const t = traceback(id); sum(t); return t; };
  return { store, chars: () => chars };
}

describe('failure groups, bounded', () => {
  it('groups 5,000 failures with 60 kB tracebacks reading each group\'s newest traceback only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-failure-groups-'));
    const raw = new HistoryStore(join(dir, 'history.db'));
    try {
      for (let i = 0; i < FAILURES; i += 250) {
        const events: CeleryEvent[] = [];
        for (let j = i; j < i + 250; j++) events.push(...failure(j));
        raw.applyEvents(events, T0 + i);
      }
      const { store, chars } = counted(raw);
      const heapBefore = process.memoryUsage().heapUsed;
      const { groups, scanned, truncated } = failureGroups(store);
      const heapGrew = process.memoryUsage().heapUsed - heapBefore;

      expect({ scanned, truncated }).toEqual({ scanned: FAILURES, truncated: false });
      expect(groups.map((g) => [g.name, g.exceptionType, g.pattern, g.count])).toEqual([
        ['tasks.fetch', 'KeyError', 'size <n>', 1667],
        ['tasks.fetch', 'ValueError', 'user <n> not found', 1667],
        // Longer than what a cause is read from: the same beginning is one cause, and says it is cut.
        ['tasks.parse', 'ValueError', `row <n>: ${LONG_WORDS}`.slice(0, PATTERN_CHARS) + '…', 1666],
      ]);
      // Each group's traceback is its newest task's, cut with its last line kept.
      expect(groups[1]!.tasks[0]!.id).toBe('f-4998');
      expect(groups[1]!.traceback!.length).toBeLessThanOrEqual(GROUP_TRACEBACK_CHARS);
      expect(groups[1]!.traceback).toMatch(/^Traceback \(most recent call last\):/);
      expect(groups[1]!.traceback).toContain('ValueError: user 4998 not found');
      expect(groups[0]!.traceback).toContain("KeyError: 'size 4999'");
      expect(groups[2]!.traceback).toContain('ValueError: row 4997');

      // The tracebacks alone are 300 MB; what was read is the exceptions' beginnings and three tracebacks.
      expect(chars()).toBeLessThan(FAILURES * (CAUSE_CHARS + 100) + 3 * 64 * 1024);
      expect(heapGrew).toBeLessThan(64 * 1024 * 1024);

      expect(groupIds(store, groups[2]!.key, 'FAILURE')).toHaveLength(1666);
    } finally {
      raw.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('reads the tracebacks of the largest groups only, and says so of the others', () => {
    const store = new HistoryStore(':memory:');
    try {
      const events: CeleryEvent[] = [];
      // Group g has g + 1 tasks: the largest come first.
      for (let g = 0; g < TRACEBACK_GROUPS + 20; g++) {
        for (let k = 0; k <= g; k++) {
          const id = `c-${g}-${k}`;
          events.push({ type: 'task-received', uuid: id, name: `tasks.cause_${g}`, hostname: 'celery@py1', timestamp: T0 } as unknown as CeleryEvent);
          events.push({ type: 'task-failed', uuid: id, hostname: 'celery@py1', timestamp: T0 + 1, exception: "ValueError('x')", traceback: `Traceback (most recent call last):\nValueError: cause ${g}` } as unknown as CeleryEvent);
        }
      }
      store.applyEvents(events, T0);
      let reads = 0;
      const traceback = store.traceback.bind(store);
      store.traceback = (id: string) => (reads++, traceback(id));
      const { groups } = failureGroups(store);
      expect(groups).toHaveLength(TRACEBACK_GROUPS + 20);
      expect(reads).toBe(TRACEBACK_GROUPS);
      expect(groups[0]).toMatchObject({ name: `tasks.cause_${TRACEBACK_GROUPS + 19}`, traceback: expect.stringContaining(`cause ${TRACEBACK_GROUPS + 19}`) });
      expect(groups[0]!.tracebackOmitted).toBeUndefined();
      expect(groups[TRACEBACK_GROUPS]).toMatchObject({ traceback: null, tracebackOmitted: expect.stringContaining("a task's page shows its own") });
    } finally {
      store.close();
    }
  });
});
