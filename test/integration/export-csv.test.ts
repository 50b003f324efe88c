/**
 * The Tasks export as CSV, read back by a CSV parser: text a spreadsheet would run as a formula
 * (task names, arguments, errors: any producer chooses them) is neutralised as OWASP advises,
 * the history's own numbers stay numbers, and times are ISO 8601.
 */
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { csvField, exportTasks } from '../../src-main/service/tasks/export.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';

const T0 = 1_795_000_000;
const ev = (type: string, uuid: string, dt: number, fields: Record<string, unknown> = {}): CeleryEvent =>
  ({ type, uuid, hostname: 'celery@py1', utcoffset: 0, pid: 1, clock: 1, timestamp: T0 + dt, ...fields }) as CeleryEvent;

function csvOf(store: HistoryStore, query = ''): Array<Record<string, string>> {
  const text = [...exportTasks(store, query, 'csv')].join('');
  const parsed = Papa.parse<Record<string, string>>(text.trimEnd(), { header: true });
  expect(parsed.errors).toEqual([]);
  return parsed.data;
}

describe('the CSV export', () => {
  it('neutralises text cells that start like a formula: =, +, -, @, tab, carriage return', () => {
    const store = new HistoryStore(':memory:');
    store.applyEvents([
      ev('task-received', 'evil-1', 0, { name: '=HYPERLINK("http://evil.example","click")', args: '+cmd|\' /C calc\'!A0', kwargs: '@SUM(1+1)', queue: '-2+3', hostname: '+worker@evil' }),
      ev('task-started', 'evil-1', 1, { hostname: '+worker@evil' }),
      ev('task-failed', 'evil-1', 2, { hostname: '+worker@evil', exception: '\r=1+1', traceback: '=2' }),
    ], T0 + 10);
    const [row] = csvOf(store);
    // A leading single quote: the spreadsheet shows the text and runs nothing.
    expect(row).toMatchObject({
      name: `'=HYPERLINK("http://evil.example","click")`,
      args: `'+cmd|' /C calc'!A0`,
      kwargs: `'@SUM(1+1)`,
      queue: `'-2+3`,
      traceback: `'=2`,
    });
    expect(row!.worker).toBe(`'+worker@evil`);
    expect(row!.exception).toBe(`'\r=1+1`);
    // Every neutralised cell is quoted, so the quote and the text arrive as one field.
    expect(csvField('=1')).toBe(`"'=1"`);
    expect(csvField('-x')).toBe(`"'-x"`);
    expect(csvField('@x')).toBe(`"'@x"`);
    expect(csvField('\tx')).toBe(`"'\tx"`);
    expect(csvField('\rx')).toBe(`"'\rx"`);
    expect(csvField('plain')).toBe('plain');
  });

  it('writes the history\'s own numbers as numbers, negative ones too, and times as ISO 8601', () => {
    const store = new HistoryStore(':memory:');
    store.applyEvents([
      ev('task-received', 'ok-1', 0, { name: 'tasks.add', args: '(1, 2)', kwargs: '{}' }),
      ev('task-started', 'ok-1', 0.5),
      ev('task-succeeded', 'ok-1', 1.25, { result: '3', runtime: -0.25 }),
    ], T0 + 10);
    const [row] = csvOf(store);
    expect(row!.runtime).toBe('-0.25'); // a number the history holds, not a producer's text
    expect(row!.received_at).toBe(new Date(T0 * 1000).toISOString());
    expect(row!.started_at).toBe(new Date((T0 + 0.5) * 1000).toISOString());
    expect(row!.succeeded_at).toBe('2026-11-18T11:06:41.250Z');
    expect(row!.seen_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(row!.result).toBe('3');
    expect(csvField(-5, 'runtime')).toBe('-5');
    // A time no Date can hold stays the number it was given.
    expect(csvField(1e300, 'received_at')).toBe('1e+300');
  });
});
