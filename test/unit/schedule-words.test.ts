import { describe, expect, it } from 'vitest';
import { scheduleOf } from '../../src-main/core/beat/schedule.js';
import { describeSchedule, nextRuns } from '../../src-main/service/schedules/schedules.js';

describe('a schedule in plain words', () => {
  it('says intervals, crontabs and one-offs as a person would', () => {
    expect(describeSchedule(scheduleOf({ every: 10 }))).toBe('every 10 seconds');
    expect(describeSchedule(scheduleOf({ every: 300 }))).toBe('every 5 minutes');
    expect(describeSchedule(scheduleOf({ every: 3600 }))).toBe('every hour');
    expect(describeSchedule(scheduleOf({ cron: '30 9 * * 1-5', timezone: 'Europe/Berlin' }))).toBe('every weekday at 09:30, Europe/Berlin');
    expect(describeSchedule(scheduleOf({ cron: '0 3 * * *' }))).toBe('every day at 03:00, UTC');
    expect(describeSchedule(scheduleOf({ cron: '15 * * * 1,3' }))).toBe('every Monday, Wednesday every hour at minute 15, UTC');
    expect(describeSchedule(scheduleOf({ cron: '0 0 1 1,7 *' }))).toBe('on day 1 of the month in January, July at 00:00, UTC');
    expect(describeSchedule(scheduleOf({ at: '2027-01-01T00:00:00Z' }))).toBe('once, at 2027-01-01T00:00:00Z');
  });

  it('lists the next five runs from the entry\'s due time', () => {
    const now = Date.UTC(2026, 11, 1, 12, 0, 0);
    const entry = { schedule: scheduleOf({ cron: '0 * * * *' }), lastRunAt: now, totalRunCount: 3, due: Date.UTC(2026, 11, 1, 13), enabled: true } as Parameters<typeof nextRuns>[0];
    expect(nextRuns(entry, now)).toEqual([13, 14, 15, 16, 17].map((h) => Date.UTC(2026, 11, 1, h)));
  });
});
