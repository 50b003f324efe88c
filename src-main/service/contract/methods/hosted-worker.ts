/** The worker the control room hosts, and the tasks it declares. */
import { z } from 'zod';
import { queueName, noInput } from './fields.js';
import type { DeclaredTask, PoolStatus } from '../types/hosted-worker.js';

export const hostedWorkerMethods = {
  'tasks:declared': {
    reads: true,
    input: noInput,
    output: undefined as unknown as DeclaredTask[],
  },
  'pool:status': {
    reads: true,
    input: noInput,
    output: undefined as unknown as PoolStatus,
  },
  'pool:start': {
    // Task modules to load besides the built-in tasks (which always are).
    input: z
      .object({
        modules: z.array(z.string().min(1).max(4096)).max(32).default([]),
        concurrency: z.number().int().min(1).max(64).default(2),
        // Absent: Local's `celery`; on any other Redis the pool's own queue (it takes no shop's task).
        queues: z.array(queueName).min(1).max(64).optional(),
      })
      .strict(),
    output: undefined as unknown as PoolStatus,
  },
  'pool:stop': {
    input: noInput,
    output: undefined as unknown as PoolStatus,
  },
} as const;
