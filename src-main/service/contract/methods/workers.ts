/** The cluster's workers: list, inspect, control, who consumes a queue, the task names known. */
import { z } from 'zod';
import { queueName, json, noInput } from './fields.js';
import type { WorkerInfo } from '../../../core/worker/worker-list.js';
import type { KnownTasks, QueueConsumers, WorkerDetail } from '../types/workers.js';
import { WORKER_COMMANDS } from '../limits.js';

export const workersMethods = {
  'workers:list': {
    reads: true,
    input: noInput,
    output: undefined as unknown as WorkerInfo[],
  },
  'workers:inspect': {
    reads: true,
    // What `celery inspect` says of one worker (stats, active_queues, registered, active,
    // reserved, scheduled, revoked, conf; 1 s each), Python's or Celeriac's.
    input: z.object({ name: z.string().min(1).max(512) }).strict(),
    output: undefined as unknown as WorkerDetail,
  },
  'workers:consuming': {
    reads: true,
    // The online workers consuming a queue (their active_queues), and those whose queues are not known yet.
    input: z.object({ queue: queueName }).strict(),
    output: undefined as unknown as QueueConsumers,
  },
  'tasks:known': {
    reads: true,
    // The names Send and Batches suggest: live workers' (inspect registered), the history's, the declared ones; each with the workers running it.
    input: noInput,
    output: undefined as unknown as KnownTasks,
  },
  'workers:control': {
    // One of Flower's worker controls; the reply as the worker gave it (`ok` or `error`).
    input: z.object({ name: z.string().min(1).max(512), command: z.enum(WORKER_COMMANDS), args: z.record(z.string(), json).default({}) }).strict(),
    output: undefined as unknown as { reply: unknown },
  },
} as const;
