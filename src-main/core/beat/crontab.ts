/**
 * Celery's crontab (`celery.schedules.crontab`): five fields parsed as `crontab_parser` parses
 * them, and the next run after an instant in a timezone. Unlike Unix cron, day of month AND
 * day of week must both match (Celery's schedules.py `crontab`, `remaining_delta`).
 */
import { DateTime } from 'luxon';
import { ConfigurationError } from '../errors.js';

export interface CrontabFields {
  minute: string;
  hour: string;
  day_of_week: string;
  day_of_month: string;
  month_of_year: string;
}

/** A parsed crontab: the allowed values of each field, ascending. */
export interface Crontab {
  fields: CrontabFields;
  minutes: number[];
  hours: number[];
  /** 0 = Sunday, as Celery. */
  daysOfWeek: Set<number>;
  daysOfMonth: Set<number>;
  months: Set<number>;
}

const WEEKDAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

/**
 * One field as Celery's crontab_parser reads it: `*`, `*\/n`, `a`, `a-b` (wrapping when b < a),
 * `a-b/n`, lists of those; a weekday name (`mon`, `friday`) wherever a number goes.
 */
function parseField(text: string, name: keyof CrontabFields, min: number, max: number): number[] {
  const field = String(text).trim().toLowerCase();
  if (field === '' || field.length > 200) throw new ConfigurationError(`crontab ${name}: ${JSON.stringify(text)} is not a crontab field`);
  const number = (s: string): number => {
    if (s.startsWith('-')) throw new ConfigurationError(`crontab ${name}: negative numbers are not allowed`);
    let n: number;
    if (/^\d+$/.test(s)) n = Number(s);
    else if (s.slice(0, 3) in WEEKDAYS) n = WEEKDAYS[s.slice(0, 3)]!;
    else throw new ConfigurationError(`crontab ${name}: ${JSON.stringify(s)} is not a number or a weekday name`);
    if (n < min || n > max) throw new ConfigurationError(`crontab ${name}: ${n} is outside ${min}-${max}`);
    return n;
  };
  const expand = (from: string, to?: string): number[] => {
    const a = number(from);
    if (to === undefined) return [a];
    const b = number(to);
    return b < a ? [...range_(a, max), ...range_(min, b)] : range_(a, b);
  };
  const every = (values: number[], step: string | undefined): number[] => {
    const n = Number(step);
    if (!step || !Number.isInteger(n) || n < 1) throw new ConfigurationError(`crontab ${name}: a step must be a whole number above 0`);
    return values.filter((_, i) => i % n === 0);
  };
  const out = new Set<number>();
  for (const part of field.split(',')) {
    if (part === '') throw new ConfigurationError(`crontab ${name}: an empty part`);
    let m: RegExpMatchArray | null;
    let values: number[];
    if ((m = /^(\w+?)-(\w+)\/(\w+)?/.exec(part))) values = every(expand(m[1]!, m[2]!), m[3]);
    else if ((m = /^(\w+?)-(\w+)/.exec(part))) values = expand(m[1]!, m[2]!);
    else if ((m = /^\*\/(\w+)?/.exec(part))) values = every(range_(min, max), m[1]);
    else if (part === '*') values = range_(min, max);
    else values = expand(part);
    values.forEach((v) => out.add(v));
  }
  return [...out].sort((a, b) => a - b);
}

function range_(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export function parseCrontab(fields: Partial<CrontabFields>): Crontab {
  const f: CrontabFields = { minute: '*', hour: '*', day_of_week: '*', day_of_month: '*', month_of_year: '*', ...fields };
  return {
    fields: f,
    minutes: parseField(f.minute, 'minute', 0, 59),
    hours: parseField(f.hour, 'hour', 0, 23),
    daysOfWeek: new Set(parseField(f.day_of_week, 'day_of_week', 0, 6)),
    daysOfMonth: new Set(parseField(f.day_of_month, 'day_of_month', 1, 31)),
    months: new Set(parseField(f.month_of_year, 'month_of_year', 1, 12)),
  };
}

/** A five-field cron string (`0 3 * * *`: minute hour day-of-month month day-of-week) as Celery's fields. */
export function crontabFromString(expr: string): CrontabFields {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new ConfigurationError(`cron ${JSON.stringify(expr)}: five fields are needed (minute hour day-of-month month day-of-week)`);
  const [minute, hour, dom, month, dow] = parts as [string, string, string, string, string];
  return { minute, hour, day_of_month: dom, month_of_year: month, day_of_week: dow };
}

/**
 * A datetime as Python's pytz-aware ones behave in Celery's arithmetic: wall-clock fields and
 * the fixed UTC offset it was made with (adding days keeps the offset: pytz does not normalize).
 */
interface PyDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** Minutes east of UTC. */
  offset: number;
}

function local(ms: number, timezone: string): PyDateTime {
  const d = DateTime.fromMillis(ms, { zone: timezone });
  if (!d.isValid) throw new ConfigurationError(`unknown timezone ${JSON.stringify(timezone)}`);
  return { year: d.year, month: d.month, day: d.day, hour: d.hour, minute: d.minute, second: d.second, ms: d.millisecond, offset: d.offset };
}

const instant = (t: PyDateTime): number => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.ms) - t.offset * 60_000;
const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** 0 = Sunday (Celery's `isoweekday() % 7`). */
const dowOf = (year: number, month: number, day: number): number => new Date(Date.UTC(year, month - 1, day)).getUTCDay();
const addDays = (t: PyDateTime, days: number): PyDateTime => {
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day + days));
  return { ...t, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};
const bisectRight = (xs: number[], x: number): number => xs.filter((v) => v <= x).length;
const bisectLeft = (xs: number[], x: number): number => xs.filter((v) => v < x).length;

/** Celery's `ffwd` (a relativedelta that only adds), applied to a datetime. */
interface Ffwd {
  year?: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  weeks?: number;
  /** Python's weekday(): 0 = Monday. */
  weekday?: number;
}

function forward(t: PyDateTime, f: Ffwd): PyDateTime {
  const year = f.year ?? t.year;
  const month = f.month ?? t.month;
  const day = Math.min(daysIn(year, month), f.day ?? t.day);
  let r: PyDateTime = { ...t, year, month, day, hour: f.hour ?? t.hour, minute: f.minute ?? t.minute, second: 0, ms: 0 };
  if (f.weekday !== undefined) {
    const pyWeekday = (dowOf(r.year, r.month, r.day) + 6) % 7;
    r = addDays(r, (7 - pyWeekday + f.weekday) % 7);
  }
  return addDays(r, (f.weeks ?? 0) * 7);
}

/** Celery's `crontab._delta_to_next`: the next day allowed by day of month, month and weekday. */
function deltaToNext(c: Crontab, last: PyDateTime, nextHour: number, nextMinute: number): Ffwd | null {
  const doms = [...c.daysOfMonth].sort((a, b) => a - b);
  const moys = [...c.months].sort((a, b) => a - b);
  let year = last.year;
  let dom: number;
  let moy: number;
  const lastMs = instant(last);
  // Python builds the day as a naive datetime, which maybe_make_aware reads as UTC.
  const beforeLastRun = (y: number, m: number, d: number): boolean => Date.UTC(y, m - 1, d) < lastMs;
  const rollOver = (): boolean => {
    for (let i = 0; i < 2000; i++) {
      const flag = dom === doms.length || doms[dom]! > daysIn(year, moys[moy]!) || beforeLastRun(year, moys[moy]!, doms[dom]!);
      if (!flag) return true;
      dom = 0;
      moy++;
      if (moy === moys.length) {
        moy = 0;
        year++;
      }
    }
    return false; // Celery: "unable to rollover, time specification is probably invalid"
  };
  if (c.months.has(last.month)) {
    dom = bisectRight(doms, last.day);
    moy = bisectLeft(moys, last.month);
  } else {
    dom = 0;
    moy = bisectRight(moys, last.month);
    if (moy === moys.length) moy = 0;
  }
  if (!rollOver()) return null;
  for (let i = 0; i < 100_000; i++) {
    if (c.daysOfWeek.has(dowOf(year, moys[moy]!, doms[dom]!))) return { year, month: moys[moy]!, day: doms[dom]!, hour: nextHour, minute: nextMinute };
    dom++;
    if (!rollOver()) return null;
  }
  return null;
}

/**
 * The next run after `lastRunMs`, as Celery 5.2's `crontab.remaining_estimate(last_run_at)`
 * computes it at `nowMs` (its `remaining_delta` and `remaining`, quirks included: the wall time
 * keeps the UTC offset of the run before it, so across a DST change it is an hour off, as
 * Python's); null when it never runs (the 31st of February). A result at or before now is due.
 */
export function nextCrontabRun(c: Crontab, lastRunMs: number, timezone: string, nowMs: number = lastRunMs): number | null {
  const last = local(lastRunMs, timezone);
  const now = local(nowMs, timezone);
  const minutes = c.minutes;
  const hours = c.hours;
  const dow = dowOf(last.year, last.month, last.day);
  const thisDate = c.months.has(last.month) && c.daysOfMonth.has(last.day) && c.daysOfWeek.has(dow);
  const thisHour = thisDate && last.day === now.day && last.month === now.month && last.year === now.year && hours.includes(last.hour) && last.minute < Math.max(...minutes);
  let delta: Ffwd | null;
  if (thisHour) {
    delta = { minute: minutes.find((m) => m > last.minute)! };
  } else {
    const nextMinute = minutes[0]!;
    if (thisDate && last.hour < Math.max(...hours)) {
      delta = { hour: hours.find((h) => h > last.hour)!, minute: nextMinute };
    } else {
      const nextHour = hours[0]!;
      if (c.fields.day_of_month === '*' && c.fields.month_of_year === '*') {
        const days = [...c.daysOfWeek].sort((a, b) => a - b);
        const nextDay = days.find((d) => d > dow) ?? days[0]!;
        delta = { weeks: nextDay === dow ? 1 : 0, weekday: (((nextDay - 1) % 7) + 7) % 7, hour: nextHour, minute: nextMinute };
      } else {
        delta = deltaToNext(c, last, nextHour, nextMinute);
      }
    }
  }
  if (!delta) return null;
  // Celery's `remaining`: a start in the same zone as now but another offset takes now's.
  const start = now.offset !== last.offset ? { ...last, offset: now.offset } : last;
  return instant(forward(start, delta));
}

/** Weekday names for describing a schedule. */
export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
