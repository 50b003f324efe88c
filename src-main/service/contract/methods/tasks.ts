/** Tasks: the history's search, a task's page and workflow, retry, revoke, submit, export. */
import { z } from 'zod';
import { queueName, taskId, json } from './fields.js';
import type { HistoryTask, RetryOutcome, RetryPreview, TaskDetail, TaskWorkflow } from '../types/tasks.js';

export const tasksMethods = {
  'tasks:search': {
    reads: true,
    // The history, in the search language (history/query.ts): `state:FAILURE name:x after:1h words`.
    input: z
      .object({
        query: z.string().max(2000).default(''),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
        sort: z.enum(['seen', 'started', 'runtime']).default('seen'),
      })
      .strict(),
    // total: how many match; all: how many the history holds (the list's "N of M").
    output: undefined as unknown as { total: number; all: number; tasks: HistoryTask[] },
  },
  'tasks:get': {
    reads: true,
    input: z.object({ id: taskId }).strict(),
    output: undefined as unknown as TaskDetail,
  },
  'tasks:workflow': {
    reads: true,
    // The task's chain, groups and chord from its root (`celeriac result --tree`'s tree).
    input: z.object({ id: taskId }).strict(),
    output: undefined as unknown as TaskWorkflow,
  },
  'tasks:retry': {
    input: z.object({ ids: z.array(taskId).min(1).max(10_000) }).strict(),
    output: undefined as unknown as RetryOutcome,
  },
  'tasks:retryPreview': {
    reads: true,
    // What a retry of these tasks would send (a Python task's message rebuilt), and why the rest cannot be.
    input: z.object({ ids: z.array(taskId).min(1).max(10_000) }).strict(),
    output: undefined as unknown as RetryPreview,
  },
  'tasks:retryMatching': {
    // "Select all matching": every task a search finds (at most MATCHING_LIMIT), e.g. `state:FAILURE name:x`.
    input: z.object({ query: z.string().max(2000) }).strict(),
    output: undefined as unknown as RetryOutcome,
  },
  'tasks:revoke': {
    input: z.object({ ids: z.array(taskId).min(1).max(10_000), terminate: z.boolean().default(false) }).strict(),
    output: undefined as unknown as { revoked: string[] },
  },
  'tasks:revokeMatching': {
    input: z.object({ query: z.string().max(2000), terminate: z.boolean().default(false) }).strict(),
    output: undefined as unknown as { revoked: string[] },
  },
  'tasks:submit': {
    input: z
      .object({
        name: z.string().min(1).max(512),
        args: z.array(json).default([]),
        kwargs: z.record(z.string(), json).default({}),
        queue: queueName.optional(),
        priority: z.number().int().min(0).max(9).optional(),
        countdown: z.number().min(0).max(10 * 365 * 86_400).optional(),
      })
      .strict(),
    output: undefined as unknown as { id: string },
  },
  'tasks:exportFile': {
    room: true,
    // Desktop only: the Tasks filter saved to a file the user picks (the browser downloads /export).
    input: z.object({ query: z.string().max(2000).default(''), format: z.enum(['csv', 'jsonl']) }).strict(),
    /** path: null when the user cancelled the dialog. */
    output: undefined as unknown as { path: string | null; bytes: number },
  },
} as const;
