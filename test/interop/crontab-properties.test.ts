/**
 * A property: for random crontab expressions, instants and timezones, the next run Celeriac
 * computes is the one Python Celery's `crontab.remaining_estimate` gives (test/interop/py/pycrontab.py).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextCrontabRun, parseCrontab, type CrontabFields } from '../../src-main/core/beat/crontab.js';
import { pythonCeleryAvailable, runPython } from '../helpers/python.js';

const available = pythonCeleryAvailable();

/** One field: *, a value, a list, a range, a step, in the field's bounds. */
function field(min: number, max: number): fc.Arbitrary<string> {
  const v = fc.integer({ min, max });
  return fc.oneof(
    fc.constant('*'),
    v.map(String),
    fc.uniqueArray(v, { minLength: 2, maxLength: 4 }).map((xs) => xs.join(',')),
    fc.tuple(v, v).map(([a, b]) => `${a}-${b}`), // b < a wraps around, as in Celery
    fc.tuple(v, v, fc.integer({ min: 2, max: 5 })).map(([a, b, n]) => `${Math.min(a, b)}-${Math.max(a, b)}/${n}`),
    fc.integer({ min: 2, max: Math.max(2, Math.floor((max - min) / 2)) }).map((n) => `*/${n}`),
  );
}
const fields: fc.Arbitrary<CrontabFields> = fc.record({
  minute: field(0, 59),
  hour: field(0, 23),
  day_of_week: field(0, 6),
  day_of_month: fc.oneof(fc.constant('*'), fc.constant('*'), field(1, 28)),
  month_of_year: fc.oneof(fc.constant('*'), fc.constant('*'), field(1, 12)),
});
const zones = fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney', 'America/Sao_Paulo');
// Anywhere in 2026-2028, DST changes included; unbiased (fast-check leans to small values).
const instants = fc.noBias(fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 11, 31) }));

describe.runIf(available)('crontab, against Python Celery', () => {
  it('gives the next run Python gives, for random expressions, instants and timezones', async () => {
    const cases = fc.sample(fc.record({ fields, tz: zones, at: instants }), { numRuns: 500, seed: Date.now() % 100_000 });
    const dir = mkdtempSync(join(tmpdir(), 'crontab-'));
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
    const python = JSON.parse(await runPython('pycrontab.py', [join(dir, 'cases.json')], {}, 60_000)) as number[];
    const mismatches = cases
      .map((c, i) => ({ ...c, ours: nextCrontabRun(parseCrontab(c.fields), c.at, c.tz), python: python[i] }))
      .filter((c) => c.ours !== c.python);
    expect(mismatches.slice(0, 5)).toEqual([]);
  }, 120_000);
});
