/** Failures grouped by cause, and acting on a group. */
import { z } from 'zod';
import type { FailureGroup, FailureTriage, RetryOutcome, RetryPreview } from '../types/tasks.js';

const groupKey = z.string().min(1).max(5000);

export const failuresMethods = {
  'failures:groups': {
    reads: true,
    // Failures grouped by cause: name + exception type + the message normalised. Groups marked
    // ignored are left out unless asked for; `ignored` says how many groups are marked so.
    input: z.object({ includeIgnored: z.boolean().default(false) }).strict(),
    output: undefined as unknown as { groups: FailureGroup[]; scanned: number; truncated: boolean; ignored: number },
  },
  'failures:triage': {
    // Marks a group resolved or ignored (kept in the connection's history), or open again:
    // a resolved group that fails again shows as regressed. Returns the group's triage now.
    input: z.object({ key: groupKey, state: z.enum(['resolved', 'ignored', 'open']) }).strict(),
    output: undefined as unknown as FailureTriage,
  },
  'failures:retryGroup': {
    input: z.object({ key: groupKey }).strict(),
    output: undefined as unknown as RetryOutcome,
  },
  'failures:retryPreview': {
    reads: true,
    // "Retry all" asks first: how many of the group's failures can be sent again, and why the rest cannot.
    input: z.object({ key: groupKey }).strict(),
    output: undefined as unknown as RetryPreview,
  },
  'failures:revokeGroup': {
    // "Revoke the rest": the group's tasks still retrying.
    input: z.object({ key: groupKey }).strict(),
    output: undefined as unknown as { revoked: string[] },
  },
} as const;
