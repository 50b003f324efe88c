import { exceptionToInfo } from '../backend/result-meta.js';
import { maxRetriesExceeded, Retry, softTimeLimitExceeded } from '../errors.js';
import { assertJsonSerializable } from '../protocol/json-check.js';
import type { Task, TaskContext } from '../task.js';
import type { Job, Outcome, SerializedError, TaskInfo } from './pool/messages.js';
import { backoffSeconds, DEFAULT_AUTORETRY, shouldAutoretry } from './retry-policy.js';

/** Celery's default_retry_delay and max_retries. */
const DEFAULT_RETRY_DELAY = 180;
const DEFAULT_MAX_RETRIES = 3;

export interface RunHooks {
  /** Reports progress (the parent stores it as the PROGRESS state). */
  progress(meta: Record<string, unknown>): void;
  /** Receives the function that aborts this run's signal (revoke, hard limit in the async pool). */
  onAbortable?(abort: (reason: unknown) => void): void;
}

/**
 * Runs one job of a task and turns whatever happens into an Outcome: the value, a failure
 * described as Celery stores it, or a retry (ctx.retry or autoretry). Shared by the child
 * process and the in-process (async) pool; never throws.
 */
export async function runJob(task: Task<any[], any>, job: Job, hooks: RunHooks): Promise<Outcome> {
  const started = performance.now();
  const runtime = (): number => (performance.now() - started) / 1000;
  // Made only when the task looks at its signal or something aborts it: an AbortController per
  // run was a noticeable part of the worker's CPU time for small tasks (see docs/performance.md).
  let controller: AbortController | null = null;
  const getController = (): AbortController => (controller ??= new AbortController());
  const abort = (reason: unknown): void => getController().abort(reason);
  hooks.onAbortable?.(abort);
  const soft = job.softTimeLimit;
  const timer = soft ? setTimeout(() => abort(softTimeLimitExceeded(soft)), soft * 1000) : undefined;

  const ctx: TaskContext = {
    id: job.taskId,
    retries: job.retries,
    get signal() {
      return getController().signal;
    },
    progress: async (done, total, meta) => hooks.progress({ current: done, total, ...meta }),
    retry: (opts = {}) => {
      throw new Retry(opts.countdown, opts.exc);
    },
  };
  try {
    // kwargs (sent by Python callers) arrive as a last object argument.
    const args = Object.keys(job.kwargs).length > 0 ? [...job.args, job.kwargs] : job.args;
    const value = await task.fn.apply(ctx, args);
    const result = value === undefined ? null : value;
    assertJsonSerializable(result, 'the return value');
    return { kind: 'success', value: result, runtime: runtime() };
  } catch (err) {
    return failureOrRetry(task, job, err, runtime());
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function failureOrRetry(task: Task<any[], any>, job: Job, err: unknown, runtime: number): Outcome {
  // By code, not instanceof: a task module may hold its own copy of this library.
  if ((err as { code?: unknown })?.code === 'E_RETRY') {
    const r = err as Retry;
    const max = task.options.maxRetries ?? DEFAULT_MAX_RETRIES;
    if (job.retries >= max) {
      return { kind: 'failure', error: serializeError(r.exc ?? maxRetriesExceeded(task.name, max)), runtime };
    }
    return { kind: 'retry', countdown: r.countdown ?? task.options.defaultRetryDelay ?? DEFAULT_RETRY_DELAY, error: serializeError(r.exc ?? r), runtime };
  }
  const policy = task.options.autoretry;
  if (policy && job.retries < (policy.max ?? DEFAULT_AUTORETRY.max) && safeShouldRetry(policy, err)) {
    return { kind: 'retry', countdown: backoffSeconds(policy, job.retries), error: serializeError(err), runtime };
  }
  return { kind: 'failure', error: serializeError(err), runtime };
}

function safeShouldRetry(policy: NonNullable<Task['options']['autoretry']>, err: unknown): boolean {
  try {
    return shouldAutoretry(policy, err);
  } catch {
    return false;
  }
}

/** A thrown value -> Celery's exception description, with the JS stack as the traceback. */
export function serializeError(err: unknown): SerializedError {
  const info = exceptionToInfo(err);
  const traceback = err instanceof Error && err.stack ? err.stack : `${info.excType}: ${String(info.excMessage[0] ?? '')}`;
  return { ...info, traceback };
}

/** What the parent needs to know of a task. */
export function taskInfo(task: Task<any[], any>): TaskInfo {
  const o = task.options;
  return {
    name: task.name,
    acksLate: o.acksLate ?? true,
    trackStarted: o.trackStarted ?? false,
    ignoreResult: o.ignoreResult ?? false,
    timeLimit: o.timeLimit ?? null,
    softTimeLimit: o.softTimeLimit ?? null,
    rateLimit: o.rateLimit || null,
  };
}
