/**
 * Who consumes a queue now, from the cluster's picture of its workers (the queues each
 * online worker reported with `inspect active_queues`, or wrote itself): for a task page to
 * say "no worker consumes queue X" while its task waits where nobody takes it.
 */
import type { WorkerInfo } from '../../core/worker/worker-list.js';
import type { QueueConsumers } from '../contract/types/workers.js';

export function queueConsumers(workers: readonly WorkerInfo[], queue: string): QueueConsumers {
  const online = workers.filter((w) => w.online);
  return {
    queue,
    workers: online.filter((w) => w.queues.includes(queue)).map((w) => w.name).sort(),
    unknown: online.filter((w) => w.queues.length === 0).map((w) => w.name).sort(),
  };
}
