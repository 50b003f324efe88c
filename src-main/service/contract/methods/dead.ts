/** The dead-letter list. */
import { z } from 'zod';
import { noInput } from './fields.js';
import type { DeadLetterView } from '../../../core/broker/dead-letter-page.js';

export const deadMethods = {
  'dead:list': {
    reads: true,
    // The dead-letter list, newest first (what `celeriac dead list` shows).
    input: z.object({ offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(200).default(50) }).strict(),
    output: undefined as unknown as { total: number; dropped: number; entries: DeadLetterView[] },
  },
  'dead:requeue': {
    // `key` is the entry's as listed: a click acts on the entry that was on screen.
    input: z.object({ index: z.number().int().min(0), key: z.string().length(40) }).strict(),
    output: undefined as unknown as { requeued: string | null },
  },
  'dead:drop': {
    input: z.object({ index: z.number().int().min(0), key: z.string().length(40) }).strict(),
    output: undefined as unknown as { dropped: number },
  },
  'dead:requeueAll': {
    input: noInput,
    output: undefined as unknown as { requeued: number; kept: number },
  },
  'dead:dropAll': {
    input: noInput,
    output: undefined as unknown as { dropped: number },
  },
} as const;
