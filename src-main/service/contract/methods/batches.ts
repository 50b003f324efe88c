/** Batches: one task per dropped file or row. */
import { z } from 'zod';
import { taskId, noInput } from './fields.js';
import type { PlannedItem } from '../../../core/batch/plan.js';
import type { ExpandedFiles } from '../../../core/batch/expand-paths.js';
import type { BatchItemView, BatchSummary } from '../types/batches.js';
import { MAX_REQUEST_BYTES } from '../limits.js';

/** A batch: one task per file (or per row), the other parameters once for all. */
const batchInput = z
  .object({
    task: z.string().min(1).max(512),
    files: z.array(z.string().min(1).max(4096)).min(1).max(100_000).optional(),
    rows: z.array(z.record(z.string(), z.json())).min(1).max(100_000).optional(),
    values: z.record(z.string(), z.json()).default({}),
    outputDir: z.string().min(1).max(4096).optional(),
    pattern: z.string().min(1).max(256).optional(),
    queue: z.string().min(1).max(512).optional(),
  })
  .strict()
  .refine((i) => Boolean(i.files) !== Boolean(i.rows), 'give files or rows, one of them')
  .refine((i) => (i.files ?? []).reduce((n, f) => n + f.length + 3, 0) <= MAX_REQUEST_BYTES, 'the file list is over 32 MiB: send it as several batches');

export const batchesMethods = {
  'files:expand': {
    room: true,
    // Dropped paths (the desktop app's real paths): folders become their files.
    input: z.object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(10_000), extensions: z.array(z.string().max(32)).max(100).optional() }).strict(),
    output: undefined as unknown as ExpandedFiles,
  },
  'batches:create': {
    input: batchInput,
    output: undefined as unknown as BatchSummary,
  },
  'batches:preview': {
    reads: true,
    // The first items as they would be sent (arguments, output paths), or why they cannot be.
    input: batchInput,
    output: undefined as unknown as { items: PlannedItem[]; total: number },
  },
  'batches:list': {
    reads: true,
    input: noInput,
    output: undefined as unknown as BatchSummary[],
  },
  'batches:get': {
    reads: true,
    input: z
      .object({
        id: taskId,
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
        bucket: z.enum(['succeeded', 'failed', 'running', 'waiting', 'revoked']).optional(),
      })
      .strict(),
    output: undefined as unknown as { batch: BatchSummary; total: number; items: BatchItemView[] },
  },
  'batches:retryFailed': {
    input: z.object({ id: taskId }).strict(),
    output: undefined as unknown as { retried: string[]; errors: Array<{ id: string; message: string }> },
  },
  'batches:cancel': {
    input: z.object({ id: taskId }).strict(),
    output: undefined as unknown as { revoked: number },
  },
  'batches:openFolder': {
    room: true,
    // Desktop only: shows the batch's output folder in the file manager.
    input: z.object({ id: taskId }).strict(),
    output: undefined as unknown as { opened: string },
  },
} as const;
