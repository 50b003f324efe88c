import { browseQueue } from '../../core/broker/queue-messages.js';
import { listQueues } from '../../core/broker/queue-list.js';
import { pauseQueue, resumeQueue } from './queue-pause.js';
import { purgeQueue } from './queues.js';
import type { Handlers } from '../calls/handler-types.js';

export const queueHandlers: Handlers<'queues:list' | 'queues:browse' | 'queues:purge' | 'queues:pause' | 'queues:resume'> = {
  'queues:pause': async (s, i) => pauseQueue(s.app, i.queue, await s.cluster.workers()),
  'queues:resume': (s, i) => resumeQueue(s.app, i.queue),
  'queues:list': (s) => listQueues(s.app.broker),
  'queues:browse': (s, i) => browseQueue(s.app.broker, i.queue, i.offset, i.limit),
  'queues:purge': async (s, i) => ({ purged: await purgeQueue(s.app.broker, i.queue) }),
};
