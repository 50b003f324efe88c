/** Failures grouped by cause, and acting on a group. */
import { z } from 'zod';
import { noInput } from './fields.js';
import type { FailureGroup, RetryOutcome, RetryPreview } from '../types/tasks.js';

export const failuresMethods = {
  'failures:groups': {
    reads: true,
    // Failures grouped by cause: name + exception type + the message normalised.
    input: noInput,
    output: undefined as unknown as { groups: FailureGroup[]; scanned: number; truncated: boolean },
  },
  'failures:retryGroup': {
    input: z.object({ key: z.string().min(1).max(5000) }).strict(),
    output: undefined as unknown as RetryOutcome,
  },
  'failures:retryPreview': {
    reads: true,
    // "Retry all" asks first: how many of the group's failures can be sent again, and why the rest cannot.
    input: z.object({ key: z.string().min(1).max(5000) }).strict(),
    output: undefined as unknown as RetryPreview,
  },
  'failures:revokeGroup': {
    // "Revoke the rest": the group's tasks still retrying.
    input: z.object({ key: z.string().min(1).max(5000) }).strict(),
    output: undefined as unknown as { revoked: string[] },
  },
} as const;
