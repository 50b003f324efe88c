/** What the Workers view and the task suggestions show of a cluster's workers. */

/** What a worker's page asks it (Flower's eight `inspect` commands). */
export const INSPECTED = ['stats', 'active_queues', 'registered', 'active', 'reserved', 'scheduled', 'revoked', 'conf'] as const;

export interface KnownTask {
  name: string;
  /** The live workers that registered it (answered `inspect registered` with it), name order. */
  workers: string[];
  /** Declared here (a built-in task, or one of the hosted pool's modules): its parameters are known. */
  declared: boolean;
  /** Among the names of the tasks the history saw last. */
  seen: boolean;
}

export interface KnownTasks {
  tasks: KnownTask[];
  /** The workers that answered `inspect registered`: the live ones. */
  answered: string[];
}

export interface QueueConsumers {
  queue: string;
  /** Online workers consuming it, by name. */
  workers: string[];
  /** Online workers whose queues are not known yet (not inspected since they came): they may consume it. */
  unknown: string[];
}

export type Inspected = (typeof INSPECTED)[number];

/** Each command's reply, or null when the worker did not answer it in time. */
export type WorkerDetail = { name: string } & Record<Inspected, unknown>;
