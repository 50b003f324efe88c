/** The Overview view and the summary bar. */
import { z } from 'zod';
import type { Overview, Summary } from '../types/overview.js';

export const overviewMethods = {
  'overview:get': {
    reads: true,
    // The Overview view: throughput per bucket, per-task runtime and failure rate, queues, workers.
    input: z.object({ range: z.enum(['15m', '1h', '24h', '7d']).default('1h') }).strict(),
    output: undefined as unknown as Overview,
  },
  'summary:get': {
    reads: true,
    // The bar on every view: counts from the history (processed, failed, active, retrying), Redis (queued, scheduled, dead).
    // `failed` leaves out the failures of groups marked ignored unless `includeIgnored`.
    input: z.object({ includeIgnored: z.boolean().default(false) }).strict(),
    output: undefined as unknown as Summary,
  },
} as const;
