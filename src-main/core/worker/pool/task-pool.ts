import type { Job, Outcome, SerializedError, TaskInfo } from './messages.js';

/** Where tasks run: child processes (`process`) or this process (`async`). */
export interface TaskPool {
  readonly kind: 'process' | 'async';
  /** How many jobs may be in flight at once. */
  readonly capacity: number;
  /** Processes (`-P process`) or slots (`-P async`) now. */
  readonly size: number;
  /** Starts the pool; resolves with the tasks the module registers. */
  start(): Promise<TaskInfo[]>;
  /** Runs a job; never rejects (failures are Outcomes). */
  run(job: Job, onProgress: (meta: Record<string, unknown>) => void): Promise<Outcome>;
  /** Aborts a running job's signal (revoke). */
  abort(taskId: string, reason: SerializedError): void;
  /**
   * Grows (n > 0) or shrinks (n < 0) the pool by n processes (`-P process`) or slots
   * (`-P async`): `celery control pool_grow / pool_shrink`. Running jobs are never cut short.
   * @throws Error when it would leave no process or slot
   */
  resize(n: number): void;
  /** The worker is stopping: replace no child that ends from now on (running jobs go on). */
  drain(): void;
  /** Stops the pool; `force` kills what still runs. */
  stop(force?: boolean): Promise<void>;
}
