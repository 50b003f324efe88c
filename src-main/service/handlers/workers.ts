import { controlWorker, inspectWorker } from '../cluster/worker-detail.js';
import type { Handlers } from './types.js';

export const workerHandlers: Handlers<'workers:list' | 'workers:inspect' | 'workers:control' | 'pool:status' | 'pool:start' | 'pool:stop'> = {
  'workers:list': (s) => s.cluster.workers(),
  'workers:inspect': (s, i) => inspectWorker(s.app, i.name),
  'workers:control': (s, i) => controlWorker(s.app, i.name, i.command, i.args),
  'pool:status': (s) => s.pool.status(),
  'pool:start': (s, i) => s.pool.start(i.modules, i.concurrency, i.queues),
  'pool:stop': (s) => s.pool.stop(),
};
