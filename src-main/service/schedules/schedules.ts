/**
 * The Schedules view's back end: periodic entries (celery-redbeat's layout, whoever wrote
 * them) with their schedule in plain words, their next five runs, their last run and that
 * task's state; adding, editing, enabling and deleting one (running one now: core/beat/send-entry.ts).
 */
import type { App } from '../../core/app.js';
import { BeatStore, type BeatEntry, type UnreadableEntry } from '../../core/beat/beat-store.js';
import { WEEKDAY_NAMES } from '../../core/beat/crontab.js';
import { nextDue, type Schedule } from '../../core/beat/schedule.js';
import type { ScheduleView, ScheduleListItem } from '../contract/types/schedules.js';

/** How many entries the view lists at most. */
export const SCHEDULES_LIMIT = 5000;

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const pad = (n: string): string => n.padStart(2, '0');

/** A number of seconds in words: "every 10 seconds", "every 5 minutes", "every 2 hours". */
function everyWords(seconds: number): string {
  const [n, unit] = seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return n === 1 ? `every ${unit}` : `every ${n} ${unit}s`;
}

/** A crontab in words where it reads as one; else its five fields. */
function cronWords(c: NonNullable<ScheduleView['cron']>, timezone: string): string {
  const simple = /^\d+$/;
  const time = simple.test(c.minute) && simple.test(c.hour) ? `at ${pad(c.hour)}:${pad(c.minute)}` : c.hour === '*' && simple.test(c.minute) ? `every hour at minute ${c.minute}` : c.minute === '*' && c.hour === '*' ? 'every minute' : `at minute ${c.minute} of hour ${c.hour}`;
  const days =
    c.day_of_week === '*' ? (c.day_of_month === '*' ? 'every day' : `on day ${c.day_of_month} of the month`)
      : c.day_of_week === '1-5' || c.day_of_week === 'mon-fri' ? 'every weekday'
        : c.day_of_week === '0,6' || c.day_of_week === '6,0' || c.day_of_week === 'sat,sun' ? 'on weekends'
          : /^\d(,\d)*$/.test(c.day_of_week) ? `every ${c.day_of_week.split(',').map((d) => WEEKDAY_NAMES[Number(d) % 7]).join(', ')}`
            : `on weekdays ${c.day_of_week}`;
  const dom = c.day_of_week !== '*' && c.day_of_month !== '*' ? ` that fall on day ${c.day_of_month}` : '';
  const months = c.month_of_year === '*' ? '' : /^\d+(,\d+)*$/.test(c.month_of_year) ? ` in ${c.month_of_year.split(',').map((m) => MONTHS[Number(m) - 1]).join(', ')}` : ` in months ${c.month_of_year}`;
  return `${days}${dom}${months} ${time}, ${timezone}`;
}

export function describeSchedule(s: Schedule): string {
  switch (s.kind) {
    case 'every':
      return everyWords(s.seconds);
    case 'cron':
      return cronWords(s.fields, s.timezone);
    case 'at':
      return `once, at ${new Date(s.at).toISOString().replace('.000Z', 'Z')}`;
  }
}

/** The next `n` runs from now, as the beat would send them. */
export function nextRuns(entry: BeatEntry, now: number, n = 5): number[] {
  const out: number[] = [];
  let last = entry.lastRunAt ?? now;
  let runs = entry.totalRunCount;
  let due = entry.due;
  for (let i = 0; i < n && due !== null; i++) {
    const at = Math.max(due, now);
    out.push(at);
    last = at;
    runs++;
    due = nextDue(entry.schedule, last, runs, at);
  }
  return out;
}

function view(e: BeatEntry, lastState: string | null, now: number): ScheduleView {
  const { schedule: s, ...stored } = e;
  return {
    ...stored, kind: s.kind,
    ...(s.kind === 'every' ? { every: s.seconds } : s.kind === 'cron' ? { cron: s.fields, timezone: s.timezone } : { at: s.at }),
    description: describeSchedule(s), next: e.enabled ? nextRuns(e, now) : [], lastState,
  };
}

export async function listSchedules(app: App, now = Date.now()): Promise<ScheduleListItem[]> {
  const entries = (await new BeatStore(app.broker).list()).slice(0, SCHEDULES_LIMIT);
  const readable = entries.filter((e): e is BeatEntry => !('error' in e));
  const ids = readable.map((e) => e.lastTaskId).filter((id): id is string => id !== null);
  const metas = new Map((await app.backend.getMany(ids)).map((m, i) => [ids[i]!, m?.status ?? 'PENDING']));
  return entries.map((e: BeatEntry | UnreadableEntry) => ('error' in e ? e : view(e, e.lastTaskId ? (metas.get(e.lastTaskId) ?? null) : null, now)));
}
