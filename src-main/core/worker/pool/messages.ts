/**
 * The parent <-> child protocol of the process pool: one discriminated union each way. Every
 * value is JSON, so it crosses Node's IPC channel (and Electron's utilityProcess) unchanged.
 */

/** What a task declares that the parent needs to know. */
export interface TaskInfo {
  name: string;
  acksLate: boolean;
  trackStarted: boolean;
  ignoreResult: boolean;
  timeLimit: number | null;
  softTimeLimit: number | null;
  /** Celery's rate_limit ("10/m"), changed live by `control rate_limit`; null for none. */
  rateLimit: string | null;
}

/** One run of a task. */
export interface Job {
  taskId: string;
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  retries: number;
  /** Seconds; null for none. */
  softTimeLimit: number | null;
  hardTimeLimit: number | null;
}

/** An error as Celery stores it, plus the stack as the traceback. */
export interface SerializedError {
  excType: string;
  excMessage: unknown[];
  excModule: string | null;
  traceback: string;
}

export type Outcome =
  | { kind: 'success'; value: unknown; runtime: number }
  | { kind: 'failure'; error: SerializedError; runtime: number }
  /** Run again after `countdown` seconds (ctx.retry or autoretry). */
  | { kind: 'retry'; countdown: number; error: SerializedError; runtime: number }
  /**
   * The child died under the task; the worker fails or redelivers it. `innocent`: the child was
   * killed for another task's time limit, so this one is always redelivered.
   */
  | { kind: 'lost'; error: SerializedError; runtime: number; innocent?: boolean }
  /**
   * The job could not be handed to a child (its arguments do not survive the IPC encoding): it
   * never ran, and running it again would fail the same way. The worker dead-letters it.
   */
  | { kind: 'rejected'; reason: string; runtime: 0 };

/**
 * Jobs and outcomes travel in batches, one IPC message per event-loop turn: one message per
 * task made the channel the bottleneck of small tasks.
 */
export type ParentMessage =
  | { type: 'run'; jobs: Job[] }
  | { type: 'abort'; taskId: string; reason: SerializedError }
  | { type: 'shutdown' };

export type ChildMessage =
  | { type: 'ready'; tasks: TaskInfo[] }
  | { type: 'progress'; taskId: string; meta: Record<string, unknown> }
  | { type: 'done'; results: Array<{ taskId: string; outcome: Outcome }> }
  /** The child cannot work (its task module failed to load). */
  | { type: 'fatal'; message: string };
