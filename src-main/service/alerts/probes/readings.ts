/**
 * What the rules of one evaluation read, each read once however many rules need it (the
 * queues, the workers), and only when a rule needs it: a connection with no queue rule lists
 * no queues for alerts.
 */
import type { App } from '../../../core/app.js';
import { listQueues, type QueueInfo } from '../../../core/broker/queue-list.js';
import type { WorkerInfo } from '../../../core/worker/worker-list.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { HistoryReader } from '../../history/history-reader.js';

/** The connection's parts the probes read. */
export interface AlertSources {
  app: App;
  cluster: Cluster;
  history: HistoryReader;
}

export class Readings {
  private queueList: Promise<QueueInfo[]> | null = null;
  private workerList: Promise<WorkerInfo[]> | null = null;

  /** @param now the evaluation's time, unix ms */
  constructor(readonly sources: AlertSources, readonly now: number) {}

  queues(): Promise<QueueInfo[]> {
    return (this.queueList ??= listQueues(this.sources.app.broker));
  }

  workers(): Promise<WorkerInfo[]> {
    return (this.workerList ??= this.sources.cluster.workers(this.now));
  }
}
