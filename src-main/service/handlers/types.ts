/**
 * The service's methods as a typed table: one handler per contract method served on a
 * connection, each taking the input its schema parsed (defaults applied) and returning the
 * method's output. One file per domain; service.ts joins them.
 */
import type { z } from 'zod';
import type { App } from '../../core/app.js';
import type { TaskParam } from '../../core/task.js';
import type { contract, Method, Output, RoomMethod } from '../contract.js';
import type { BatchTracker } from '../batches/batch-tracker.js';
import type { Cluster } from '../cluster/cluster.js';
import type { HistoryStore } from '../history/history-store.js';
import type { LocalPool } from '../local-pool.js';

/** The methods one connection serves (the control room serves the rest). */
export type SessionMethod = Exclude<Method, RoomMethod>;

/** What a method's handler receives: its input as the schema parsed it. */
export type ParsedInput<M extends Method> = z.output<(typeof contract)[M]['input']>;

/** What handlers work with: the connection's parts. */
export interface ServiceParts {
  app: App;
  pool: LocalPool;
  /** The queues a pool started from the view consumes: Local's `celery`, else the pool's own. */
  poolQueues: string[];
  batches: BatchTracker;
  cluster: Cluster;
  /** The task history (in memory when the control room keeps none on disk). */
  history: HistoryStore;
  /** The beat this control room runs (settings: beat), or null. */
  readonly beat: { token: string } | null;
  /** A task's declared parameters (the hosted pool's modules, else this process's). */
  declaredParams(task: string): Promise<readonly TaskParam[]>;
}

export type Handler<M extends SessionMethod> = (s: ServiceParts, input: ParsedInput<M>) => Promise<Output<M>> | Output<M>;

/** A domain's handlers. */
export type Handlers<K extends SessionMethod> = { [M in K]: Handler<M> };
