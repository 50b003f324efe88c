/** Periodic entries as the Schedules view shows them. */
import type { BeatEntry } from '../../../core/beat/beat-store.js';
import type { CrontabFields } from '../../../core/beat/crontab.js';
import type { Schedule } from '../../../core/beat/schedule.js';

/** An entry as the view shows it: the stored entry, its schedule spelled out for the form, and what is derived. */
export interface ScheduleView extends Omit<BeatEntry, 'schedule'> {
  kind: Schedule['kind'];
  every?: number;
  cron?: CrontabFields;
  timezone?: string;
  at?: number;
  /** The schedule in plain words: "every weekday at 09:30, Europe/Berlin". */
  description: string;
  /** The next five runs (unix ms). */
  next: number[];
  /** The last run's task state (its result), when there is one. */
  lastState: string | null;
}

export type ScheduleListItem = ScheduleView | { name: string; error: string };

/** Who holds the beat lock: a Celeriac beat's name, pid and since when; only a token for another (a Python redbeat). */
export interface BeatLeader {
  token: string;
  name?: string;
  pid?: number;
  since?: number;
  /** This control room's own beat. */
  here: boolean;
}
