/** Tasks waiting for their ETA. */
import { z } from 'zod';
import { noInput } from './fields.js';
import type { ScheduledTask } from '../../../core/broker/scheduled-task.js';

export const scheduledMethods = {
  'scheduled:list': {
    reads: true,
    // Tasks waiting for their ETA: Celeriac's schedule, and what Python workers hold (inspect scheduled).
    input: noInput,
    output: undefined as unknown as { total: number; tasks: ScheduledTask[] },
  },
  'scheduled:runNow': {
    input: z.object({ tag: z.string().min(1).max(256) }).strict(),
    output: undefined as unknown as { moved: boolean },
  },
} as const;
