import { knownTasks } from './known-tasks.js';
import { queueConsumers } from './queue-consumers.js';
import { controlWorker, inspectWorker } from './worker-detail.js';
import type { Handlers } from '../calls/handler-types.js';

/** How many of the newest tasks in the history give the names it has seen. */
const SEEN_TASKS_READ = 1000;

export const workerHandlers: Handlers<'workers:list' | 'workers:inspect' | 'workers:control' | 'workers:consuming' | 'tasks:known'> = {
  // Listed for a view: its pool and queues are kept fresh while one shows them.
  'workers:list': (s) => {
    s.cluster.noteShown();
    return s.cluster.workers();
  },
  'workers:inspect': (s, i) => inspectWorker(s.app, i.name),
  'workers:control': async (s, i) => {
    const reply = await controlWorker(s.app, i.name, i.command, i.args);
    s.cluster.controlled([i.name], i.command);
    return reply;
  },
  'workers:consuming': async (s, i) => {
    s.cluster.noteShown();
    return queueConsumers(await s.cluster.workers(), i.queue);
  },
  'tasks:known': async (s) => {
    const declared = (await s.hosted.tasks()).map((t) => t.name);
    return knownTasks(s.app, declared, s.history.recentNames(SEEN_TASKS_READ));
  },
};
