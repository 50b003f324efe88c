import type { Handlers } from '../calls/handler-types.js';

/** The worker the control room hosts (`pool:*` on the wire, as the Workers view says "pool"), and the tasks it declares. */
export const hostedWorkerHandlers: Handlers<'pool:status' | 'pool:start' | 'pool:stop' | 'tasks:declared'> = {
  'pool:status': (s) => s.hosted.status(),
  'pool:start': (s, i) => s.hosted.start(i.modules, i.concurrency, i.queues ?? s.hostedQueues),
  'pool:stop': (s) => s.hosted.stop(),
  'tasks:declared': (s) => s.hosted.tasks(),
};
