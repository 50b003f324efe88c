/** Edit and resend: a task's call read back for editing, and sent again as a new task or in place. */
import { z } from 'zod';
import { json, queueName, taskId } from './fields.js';
import type { ResendDraft, ResendOutcome } from '../types/resend.js';

const MAX_DELAY_S = 10 * 365 * 86_400;

/**
 * An eta at most MAX_DELAY_S ahead, as countdown is (measured when the call is read). A past eta
 * is let through as given: the message carries it and a worker runs the task at once, as Celery does.
 */
const eta = z.iso
  .datetime({ offset: true })
  .refine((at) => Date.parse(at) - Date.now() <= MAX_DELAY_S * 1000, { message: 'eta is more than 10 years ahead' });

export const resendMethods = {
  'tasks:resendDraft': {
    reads: true,
    // Any task the room knows, Python's too (its call rebuilt from its extended result or events).
    input: z.object({ id: taskId }).strict(),
    output: undefined as unknown as ResendDraft,
  },
  'tasks:resend': {
    // new: a new task (new id) linked both ways to the original; in-place: a retry with the edits (same id, retries + 1).
    input: z
      .object({
        id: taskId,
        args: z.array(json),
        kwargs: z.record(z.string(), json),
        queue: queueName.optional(),
        priority: z.number().int().min(0).max(9).optional(),
        countdown: z.number().min(0).max(MAX_DELAY_S).optional(),
        eta: eta.optional(),
        mode: z.enum(['new', 'in-place']),
      })
      .strict()
      .refine((i) => i.countdown === undefined || i.eta === undefined, { message: 'give either countdown or eta, not both' }),
    output: undefined as unknown as ResendOutcome,
  },
} as const;
