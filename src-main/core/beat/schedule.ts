/**
 * A periodic entry's schedule, in Celeriac's terms and in celery-redbeat's typed JSON
 * (redbeat/decoder.py): `every` seconds (Celery's `schedule`), a crontab in a timezone, or once `at`
 * a time. And when it is next due, as Celery decides it (Celery's schedules.py).
 */
import { ConfigurationError } from '../errors.js';
import { crontabFromString, nextCrontabRun, parseCrontab, type Crontab, type CrontabFields } from './crontab.js';

export type Schedule =
  | { kind: 'every'; seconds: number }
  | { kind: 'cron'; fields: CrontabFields; crontab: Crontab; timezone: string }
  | { kind: 'at'; at: number };

/** What `app.periodic(name, ...)` takes. */
export interface PeriodicOptions {
  task: string;
  /** Every this many seconds; the first run one interval after the entry is made (Celery's rule). */
  every?: number;
  /** A crontab: five fields (`0 3 * * *`) or Celery's named fields. Day of month AND day of week must match. */
  cron?: string | Partial<CrontabFields>;
  /** The crontab's timezone (IANA name). @default 'UTC' */
  timezone?: string;
  /** Once, at this time. */
  at?: string | Date;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** Each send's options, as Celery's apply_async takes them: queue, priority, expires (seconds), ... */
  options?: Record<string, unknown>;
  /** @default true */
  enabled?: boolean;
}

export function scheduleOf(o: Pick<PeriodicOptions, 'every' | 'cron' | 'timezone' | 'at'>): Schedule {
  const given = [o.every !== undefined, o.cron !== undefined, o.at !== undefined].filter(Boolean).length;
  if (given !== 1) throw new ConfigurationError('a periodic entry needs exactly one of every, cron or at');
  if (o.every !== undefined) {
    if (typeof o.every !== 'number' || !Number.isFinite(o.every) || o.every <= 0) throw new ConfigurationError('every must be a number of seconds above 0');
    return { kind: 'every', seconds: o.every };
  }
  if (o.cron !== undefined) {
    const fields = typeof o.cron === 'string' ? crontabFromString(o.cron) : { minute: '*', hour: '*', day_of_week: '*', day_of_month: '*', month_of_year: '*', ...o.cron };
    const timezone = o.timezone ?? 'UTC';
    if (!Intl.supportedValuesOf('timeZone').includes(timezone) && timezone !== 'UTC') throw new ConfigurationError(`unknown timezone ${JSON.stringify(timezone)}`);
    return { kind: 'cron', fields, crontab: parseCrontab(fields), timezone };
  }
  const at = o.at instanceof Date ? o.at.getTime() : Date.parse(String(o.at));
  if (Number.isNaN(at)) throw new ConfigurationError(`at ${JSON.stringify(o.at)} is not a time`);
  return { kind: 'at', at };
}

/**
 * When the entry is next due, as Celery's `is_due(last_run_at)` sees it at `now`: null for never
 * again. A time at or before now means due now (after downtime: once, not once per missed run).
 */
export function nextDue(s: Schedule, lastRunAt: number, runs: number, now: number): number | null {
  switch (s.kind) {
    case 'every':
      return lastRunAt + s.seconds * 1000;
    case 'cron':
      return nextCrontabRun(s.crontab, lastRunAt, s.timezone, now);
    case 'at':
      return runs > 0 ? null : s.at;
  }
}

/** A UTC instant as redbeat's typed datetime. */
export function typedDatetime(ms: number): Record<string, unknown> {
  const d = new Date(ms);
  return {
    __type__: 'datetime', year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(),
    minute: d.getUTCMinutes(), second: d.getUTCSeconds(), microsecond: d.getUTCMilliseconds() * 1000, timezone: 0.0,
  };
}

/** A redbeat typed datetime back to unix ms (offsets as float seconds, "UTC", or a zone taken as UTC). */
export function fromTypedDatetime(v: unknown): number | null {
  const d = v as Record<string, unknown> | null;
  if (!d || d.__type__ !== 'datetime') return null;
  const n = (k: string): number => (typeof d[k] === 'number' ? (d[k] as number) : 0);
  const offset = typeof d.timezone === 'number' ? d.timezone : 0;
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'), Math.floor(n('microsecond') / 1000)) - offset * 1000;
}

/** The schedule in redbeat's typed JSON. A crontab's timezone is not there (redbeat takes the app's): see BeatStore. */
export function encodeSchedule(s: Schedule): Record<string, unknown> {
  switch (s.kind) {
    case 'every':
      return { __type__: 'interval', every: s.seconds, relative: false };
    case 'cron':
      return { __type__: 'crontab', ...s.fields };
    case 'at':
      // redbeat's rrule: one occurrence, at dtstart.
      return { __type__: 'rrule', freq: 0, dtstart: typedDatetime(s.at), interval: 1, wkst: null, count: 1, until: null, bysetpos: null, bymonth: null, bymonthday: null, byyearday: null, byeaster: null, byweekno: null, byweekday: null, byhour: null, byminute: null, bysecond: null };
  }
}

/** A schedule from redbeat's typed JSON (written by Python or by us). @throws ConfigurationError */
export function decodeSchedule(v: unknown, timezone = 'UTC'): Schedule {
  const d = v as Record<string, unknown> | null;
  switch (d?.__type__) {
    case 'interval':
      return scheduleOf({ every: Number(d.every) });
    case 'crontab':
      return scheduleOf({ cron: { minute: String(d.minute ?? '*'), hour: String(d.hour ?? '*'), day_of_week: String(d.day_of_week ?? '*'), day_of_month: String(d.day_of_month ?? '*'), month_of_year: String(d.month_of_year ?? '*') }, timezone });
    case 'rrule': {
      const at = fromTypedDatetime(d.dtstart);
      if (at === null || d.count !== 1) throw new ConfigurationError('only a one-off rrule (count 1) is supported');
      return { kind: 'at', at };
    }
    default:
      throw new ConfigurationError(`schedule type ${JSON.stringify(d?.__type__)} is not supported (interval, crontab, a one-off rrule)`);
  }
}
