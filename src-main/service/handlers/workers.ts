import { knownTasks } from '../cluster/known-tasks.js';
import { queueConsumers } from '../cluster/queue-consumers.js';
import { controlWorker, inspectWorker } from '../cluster/worker-detail.js';
import type { Handlers } from './types.js';

/** How many of the newest tasks in the history give the names it has seen. */
const SEEN_TASKS_READ = 1000;

export const workerHandlers: Handlers<'workers:list' | 'workers:inspect' | 'workers:control' | 'workers:consuming' | 'tasks:known' | 'pool:status' | 'pool:start' | 'pool:stop'> = {
  'workers:list': (s) => s.cluster.workers(),
  'workers:inspect': (s, i) => inspectWorker(s.app, i.name),
  'workers:control': (s, i) => controlWorker(s.app, i.name, i.command, i.args),
  'workers:consuming': async (s, i) => queueConsumers(await s.cluster.workers(), i.queue),
  'tasks:known': async (s) => {
    const declared = (await s.pool.tasks()).map((t) => t.name);
    return knownTasks(s.app, declared, s.history.recentNames(SEEN_TASKS_READ));
  },
  'pool:status': (s) => s.pool.status(),
  'pool:start': (s, i) => s.pool.start(i.modules, i.concurrency, i.queues ?? s.poolQueues),
  'pool:stop': (s) => s.pool.stop(),
};
