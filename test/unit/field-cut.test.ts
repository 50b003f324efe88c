/**
 * One field-cut rule on every path into the history: an event message over a megabyte still
 * moves its task's state (its large fields cut and marked), a stored result's and a record's
 * text are cut the same way, and events nested too deep or too wide are bounded, counted and
 * logged once.
 */
import { describe, expect, it } from 'vitest';
import { encodeEvent, type CeleryEvent } from '../../src-main/core/events/envelope.js';
import { EventReceiver, MAX_EVENT_MESSAGE_LENGTH } from '../../src-main/service/cluster/event-receiver.js';
import { MAX_EVENT_FIELDS } from '../../src-main/service/cluster/event-limits.js';
import { metaFields } from '../../src-main/service/history/backfill.js';
import { cutTraceback, FIELD_LIMIT, wasCut } from '../../src-main/service/history/field-cut.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { recordReport } from '../../src-main/service/history/record-fields.js';

const ev = (type: string, uuid: string, fields: Record<string, unknown> = {}): CeleryEvent =>
  ({ type, uuid, hostname: 'py@host', utcoffset: 0, pid: 1, clock: 1, timestamp: 1_795_000_000, ...fields }) as CeleryEvent;

/** A receiver fed by hand: what it hands over, and what it logged. */
function receiver(): { r: EventReceiver; got: CeleryEvent[]; logged: string[] } {
  const got: CeleryEvent[] = [];
  const logged: string[] = [];
  const r = new EventReceiver(() => { throw new Error('not opened here'); }, 0, (events) => got.push(...events), (line) => logged.push(line));
  return { r, got, logged };
}

const huge = 'E'.repeat(1_500_000);
const failedEvent = (uuid: string): CeleryEvent => ev('task-failed', uuid, {
  exception: `ValueError('${huge}')`,
  traceback: `Traceback (most recent call last):\n  File "tasks.py", line 40, in fail\n    raise ValueError(message)\nValueError: ${huge}\n`,
});

describe('the field-cut rule', () => {
  it('moves a task to FAILURE from an event message over a megabyte, its exception and traceback cut and marked', () => {
    const { r, got } = receiver();
    r.receive('/0.celeryev/task.received', encodeEvent(ev('task-received', 't1', { name: 'tasks.fail', args: "('EEE…',)" }), 'task.received', 'py@host'));
    const message = encodeEvent(failedEvent('t1'), 'task.failed', 'py@host');
    expect(message.length).toBeGreaterThan(3 * 1024 * 1024);
    r.receive('/0.celeryev/task.failed', message);
    expect(got.map((e) => e.type)).toEqual(['task-received', 'task-failed']);

    const store = new HistoryStore(':memory:');
    store.applyEvents(got);
    const row = store.get('t1')!;
    expect(row.state).toBe('FAILURE');
    expect(row.exception!.length).toBeLessThanOrEqual(FIELD_LIMIT);
    expect(row.exception).toMatch(/^ValueError\('E+… \[cut: 1\.5 MB\]'\)$/);
    expect(row.traceback!.length).toBeLessThanOrEqual(FIELD_LIMIT);
    expect(row.traceback!.startsWith('Traceback (most recent call last):')).toBe(true);
    expect(wasCut(row.traceback!)).toBe(true);
    expect(store.search('exception:ValueError').total).toBe(1);
    expect(store.stateCounts()).toEqual({ FAILURE: 1 });
    store.close();
  });

  it('names the exception from a cut traceback when the event carries only billiard\'s wrapper', () => {
    const { r, got } = receiver();
    const e = failedEvent('t2');
    e.exception = 'ExceptionWithTraceback()';
    r.receive('/0.celeryev/task.failed', encodeEvent(e, 'task.failed', 'py@host'));
    const store = new HistoryStore(':memory:');
    store.applyEvents(got);
    expect(store.get('t2')!.exception).toMatch(/^ValueError\('E+… \[cut: 1\.5 MB\]'\)$/);
    store.close();
  });

  it('drops only a message over the hard cap, counted and logged once', () => {
    const { r, got, logged } = receiver();
    const over = 'x'.repeat(MAX_EVENT_MESSAGE_LENGTH + 1);
    r.receive('/0.celeryev/task.failed', over);
    r.receive('/0.celeryev/task.failed', over);
    expect(got).toEqual([]);
    expect(r.drops.totals()).toEqual({ 'too-large': 2 });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^\[EventReceiver\] an event message .* was dropped/);
  });

  it('keeps an event nested too deep or too wide, its state moving, the excess marked, counted and logged once', () => {
    const { r, got, logged } = receiver();
    // Written as text: encoding a value this deep would overflow the stack here too.
    const deep = `${'['.repeat(100_000)}"bottom"${']'.repeat(100_000)}`;
    const wide = ev('task-succeeded', 'w1', Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, i])));
    const events = JSON.stringify([ev('task-received', 'd1', { name: 'tasks.deep', args: '@DEEP@', kwargs: {} }), ev('task-succeeded', 'd1', { result: '1' }), wide]);
    const envelope = JSON.stringify({ body: Buffer.from(events.replace('"@DEEP@"', deep)).toString('base64'), properties: { body_encoding: 'base64' } });
    r.receive('/0.celeryev/task.multi', envelope);
    r.receive('/0.celeryev/task.multi', envelope);
    expect(Object.keys(got[2]!).length).toBe(MAX_EVENT_FIELDS);
    expect(r.drops.totals()).toMatchObject({ 'too-deep': 2, 'too-many-fields': 2 });
    expect(logged.filter((l) => l.includes('nested'))).toHaveLength(1);
    // Without the bound, writing the args back as JSON overflowed the stack and took the whole write down.
    const store = new HistoryStore(':memory:');
    store.applyEvents(got);
    expect(store.get('d1')).toMatchObject({ state: 'SUCCESS', name: 'tasks.deep', args: expect.stringContaining('[cut: nested deeper than') });
    expect(store.get('w1')!.state).toBe('SUCCESS');
    store.close();
  });

  it('cuts a stored result\'s traceback, exception and result as events are cut', () => {
    const traceback = `Traceback (most recent call last):\n${'  File "x.py", line 1, in f\n'.repeat(1_500_000)}KeyError: 'size'\n`;
    const fields = metaFields({
      status: 'FAILURE', result: { exc_type: 'KeyError', exc_message: ['s'.repeat(2_000_000)], exc_module: 'builtins' },
      traceback, children: [], date_done: '2026-12-07T10:00:00', task_id: 'm1', name: 'tasks.big', args: ['a'.repeat(1_000_000)],
    });
    expect(fields.traceback!.length).toBeLessThanOrEqual(FIELD_LIMIT);
    expect(fields.traceback).toMatch(/\nKeyError: 'size'… \[cut: 4\d MB\]$/);
    expect(fields.exception).toMatch(/^KeyError\('s+… \[cut: 2\.0 MB\]'\)$/);
    expect(fields.args!.length).toBeLessThanOrEqual(FIELD_LIMIT);
    expect(wasCut(fields.args!)).toBe(true);
    expect(cutTraceback(fields.traceback!)).toBe(fields.traceback); // cut once, never again
  });

  it('cuts a record\'s result and error message as events are cut', () => {
    const report = recordReport({
      id: 'r1', name: 'tasks.resize', queue: 'images', state: 'FAILURE', argsrepr: 'a'.repeat(FIELD_LIMIT * 2), kwargsrepr: '{}', priority: 0, eta: null,
      retries: 0, group: null, worker: 'celeriac@w1', result: 'r'.repeat(FIELD_LIMIT * 3), error: { type: 'KeyError', message: 'm'.repeat(5_000_000) },
    });
    for (const f of ['args', 'result', 'exception'] as const) {
      expect(report.fields[f]!.length).toBeLessThanOrEqual(FIELD_LIMIT);
      expect(wasCut(report.fields[f]!)).toBe(true);
    }
    expect(report.fields.exception).toMatch(/^KeyError\('m+… \[cut: 5\.0 MB\]'\)$/);
  });
});
