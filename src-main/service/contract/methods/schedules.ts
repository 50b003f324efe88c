/** Periodic entries (beat, redbeat's layout). */
import { z } from 'zod';
import { queueName, json, noInput } from './fields.js';
import type { BeatLeader, ScheduleListItem } from '../types/schedules.js';

const cronField = z.string().min(1).max(200);

export const schedulesMethods = {
  'schedules:list': {
    reads: true,
    // Every periodic entry (celery-redbeat's layout), and which beat leads.
    input: noInput,
    output: undefined as unknown as { entries: ScheduleListItem[]; leader: BeatLeader | null },
  },
  'schedules:save': {
    // Adds or edits a dynamic entry (one declared in code is changed there).
    input: z
      .object({
        name: z.string().min(1).max(200).regex(/^[\w.:@-]+$/, 'letters, digits and . _ : @ -'),
        task: z.string().min(1).max(512),
        kind: z.enum(['every', 'cron', 'at']),
        every: z.number().positive().max(1e9).optional(),
        cron: z.object({ minute: cronField, hour: cronField, day_of_week: cronField, day_of_month: cronField, month_of_year: cronField }).strict().optional(),
        timezone: z.string().min(1).max(64).optional(),
        at: z.string().min(1).max(64).optional(),
        args: z.array(json).max(1000).default([]),
        kwargs: z.record(z.string(), json).default({}),
        options: z.object({ queue: queueName.optional(), priority: z.number().int().min(0).max(9).optional(), expires: z.number().positive().max(1e9).optional() }).strict().default({}),
        enabled: z.boolean().default(true),
      })
      .strict(),
    output: undefined as unknown as { saved: string },
  },
  'schedules:delete': {
    input: z.object({ name: z.string().min(1).max(200) }).strict(),
    output: undefined as unknown as { deleted: string },
  },
  'schedules:setEnabled': {
    input: z.object({ name: z.string().min(1).max(200), enabled: z.boolean() }).strict(),
    output: undefined as unknown as { name: string; enabled: boolean },
  },
  'schedules:runNow': {
    input: z.object({ name: z.string().min(1).max(200) }).strict(),
    output: undefined as unknown as { id: string },
  },
} as const;
