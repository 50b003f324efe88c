/** Queues: list, browse, pause, resume, purge. */
import { z } from 'zod';
import { queueName, noInput } from './fields.js';
import type { QueueInfo } from '../../../core/broker/queue-list.js';
import type { QueuedMessage } from '../../../core/broker/queue-messages.js';

export const queuesMethods = {
  'queues:list': {
    reads: true,
    input: noInput,
    output: undefined as unknown as QueueInfo[],
  },
  'queues:browse': {
    reads: true,
    input: z.object({ queue: queueName, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(50) }).strict(),
    output: undefined as unknown as { total: number; messages: QueuedMessage[] },
  },
  'queues:pause': {
    // Celeriac workers stop consuming it at once; the Python workers consuming it are sent cancel_consumer.
    input: z.object({ queue: queueName }).strict(),
    output: undefined as unknown as { paused: string; told: string[] },
  },
  'queues:resume': {
    input: z.object({ queue: queueName }).strict(),
    output: undefined as unknown as { resumed: string; told: string[] },
  },
  'queues:purge': {
    // `confirm: true` is the UI's confirmation made explicit in the call.
    input: z.object({ queue: queueName, confirm: z.literal(true) }).strict(),
    output: undefined as unknown as { purged: number },
  },
} as const;
