import { browseQueue, listQueues, purgeQueue } from '../queues.js';
import type { Handlers } from './types.js';

export const queueHandlers: Handlers<'queues:list' | 'queues:browse' | 'queues:purge'> = {
  'queues:list': (s) => listQueues(s.app.broker),
  'queues:browse': (s, i) => browseQueue(s.app.broker, i.queue, i.offset, i.limit),
  'queues:purge': async (s, i) => ({ purged: await purgeQueue(s.app.broker, i.queue) }),
};
