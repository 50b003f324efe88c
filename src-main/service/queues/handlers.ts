import { heldMessages } from '../../core/broker/held-messages.js';
import { KOMBU_VISIBILITY_TIMEOUT, withOwners } from './held-owners.js';
import { listQueues } from '../../core/broker/queue-list.js';
import { pauseQueue, resumeQueue } from './queue-pause.js';
import { purgeQueue } from './queues.js';
import type { Handlers } from '../calls/handler-types.js';

export const queueHandlers: Handlers<'queues:list' | 'queues:held' | 'queues:purge' | 'queues:pause' | 'queues:resume'> = {
  // The workers told to stop or start consuming are asked their queues again, for the lists.
  'queues:pause': async (s, i) => {
    const paused = await pauseQueue(s.app, i.queue, await s.cluster.workers());
    s.cluster.controlled(paused.told, 'cancel_consumer');
    return paused;
  },
  'queues:resume': async (s, i) => {
    const resumed = await resumeQueue(s.app, i.queue);
    s.cluster.controlled(resumed.told, 'add_consumer');
    return resumed;
  },
  'queues:list': (s) => listQueues(s.app.broker),
  'queues:held': async (s, i) => withOwners(s.app, s.history, await heldMessages(s.app.broker, { ...i, visibilityTimeout: KOMBU_VISIBILITY_TIMEOUT }), KOMBU_VISIBILITY_TIMEOUT),
  'queues:purge': async (s, i) => ({ purged: await purgeQueue(s.app.broker, i.queue) }),
};
