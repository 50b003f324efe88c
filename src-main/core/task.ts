import type { AsyncResult } from './backend/async-result.js';
import type { Signature, SignatureOptions } from './canvas/signature.js';
import type { SendOptions } from './protocol/build.js';

/** Automatic retry policy of a task (applied by the worker). */
export interface AutoretryOptions {
  /** Which errors are retried: classes (instanceof) or a predicate. */
  on: Array<new (...args: never[]) => Error> | ((err: unknown) => boolean);
  /** How many retries at most. @default 3 */
  max?: number;
  /** Seconds before retry n: 'exponential' (1, 2, 4, ... s) or a fixed number. @default 'exponential' */
  backoff?: 'exponential' | number;
  /** Randomise each delay between 0 and its value, as Celery's retry_jitter. @default true */
  jitter?: boolean;
  /** Upper bound of one delay, in seconds. @default 600 */
  maxDelay?: number;
}

/** One argument of a task, declared so the control room can build a form for it. */
export interface TaskParam {
  name: string;
  /**
   * `file`: a path the worker reads (batches put each dropped file there); `output`: a path
   * the task writes (batches make one per file from an output folder and a name pattern).
   */
  type: 'string' | 'number' | 'integer' | 'boolean' | 'json' | 'file' | 'output';
  default?: unknown;
  /** One line shown under the field. */
  help?: string;
  /** The only values allowed. */
  enum?: unknown[];
  /**
   * With `file`: the extensions it takes (lower case, no dot); absent, any file. The batch
   * dialog suggests the task that takes most of the files dropped.
   */
  accept?: string[];
}

/** Options declared once per task at `app.task(name, options, fn)`. */
export interface TaskOptions {
  /** Default queue of the task. @default the app's default queue ("celery") */
  queue?: string;
  /** Default priority, 0-9; on Redis 0 is served first. @default 0 */
  priority?: number;
  /** Store no result. @default false */
  ignoreResult?: boolean;
  /** Store STARTED when a worker begins the task. @default false */
  trackStarted?: boolean;
  /** Acknowledge after the task ends (at least once) rather than when it starts. @default true */
  acksLate?: boolean;
  /** Hard time limit in seconds: the child running it is killed. */
  timeLimit?: number;
  /** Soft time limit in seconds: the task's AbortSignal fires. */
  softTimeLimit?: number;
  /** Seconds before a manual `ctx.retry()` runs again. @default 180 (Celery's default_retry_delay) */
  defaultRetryDelay?: number;
  /** Retries allowed for manual `ctx.retry()`. @default 3 */
  maxRetries?: number;
  /** Retry automatically on these errors. */
  autoretry?: AutoretryOptions;
  /**
   * At most this many runs per worker: "10/s", "10/m", "10/h" (Celery's rate_limit: a token
   * bucket per worker and task; waiting messages stay claimed, other tasks overtake them).
   */
  rateLimit?: string;
  /** Seconds after sending when a message of this task expires, unless a call says otherwise. */
  expires?: number;
  /** The task's arguments, in order, for forms (the control room's Send view). */
  params?: TaskParam[];
}

/** What a running task can see and do; `this` inside a `function` task. */
export interface TaskContext {
  /** The task id. */
  readonly id: string;
  /** How many times this task was retried before this run. */
  readonly retries: number;
  /** Aborted when the soft time limit passes or the task is revoked. */
  readonly signal: AbortSignal;
  /** Reports progress as Celery's custom PROGRESS state (`{current, total, ...meta}`). */
  progress(done: number, total: number, meta?: Record<string, unknown>): Promise<void>;
  /**
   * Ends this run and sends the task again, same id, `retries` + 1, after `countdown` seconds
   * (default: the task's defaultRetryDelay). Past maxRetries the task fails with `exc`.
   * @throws Retry, always: `throw this.retry()` reads best
   */
  retry(options?: { countdown?: number; exc?: unknown }): never;
}

/** A task body: its arguments are the message's args, in order. */
export type TaskFn<A extends unknown[] = unknown[], R = unknown> = (this: TaskContext, ...args: A) => R | Promise<R>;

/** The part of an App a Task needs; keeps task.ts free of app.ts. */
export interface TaskSender {
  sendTask<R>(name: string, args: readonly unknown[], kwargs: Record<string, unknown>, options: SendOptions): Promise<AsyncResult<R>>;
  sendMany(calls: readonly TaskCall[]): Promise<AsyncResult[]>;
  signature<R>(name: string, args: unknown[], kwargs: Record<string, unknown>, options: SignatureOptions, immutable: boolean): Signature<R>;
}

/** One call in a bulk send. */
export interface TaskCall {
  name: string;
  args?: readonly unknown[];
  kwargs?: Record<string, unknown>;
  options?: SendOptions;
}

/** A registered task. Argument types flow from the function to delay(). */
export class Task<A extends unknown[] = unknown[], R = unknown> {
  constructor(
    readonly name: string,
    readonly options: Readonly<TaskOptions>,
    readonly fn: TaskFn<A, R>,
    private readonly sender: TaskSender,
  ) {}

  /**
   * Sends the task with these arguments; resolves once the message is in Redis.
   * @throws NotSerializableError for arguments that are not JSON
   */
  delay(...args: A): Promise<AsyncResult<Awaited<R>>> {
    return this.applyAsync(args);
  }

  /**
   * Sends the task with call options (queue, priority, countdown, eta, expires, ...), which
   * override the task's declared options.
   */
  applyAsync(args?: A, kwargs: Record<string, unknown> = {}, options: SendOptions = {}): Promise<AsyncResult<Awaited<R>>> {
    return this.sender.sendTask<Awaited<R>>(this.name, args ?? [], kwargs, this.callOptions(options));
  }

  /**
   * A signature of this task with some (partial) arguments: a chain step, a group member, a
   * chord body, a link. Arguments a chain or chord passes come before these.
   */
  s(...args: unknown[]): Signature<Awaited<R>> {
    return this.sender.signature<Awaited<R>>(this.name, args, {}, this.signatureOptions(), false);
  }

  /** An immutable signature: it takes no arguments from a chain, a chord or a link. */
  si(...args: A): Signature<Awaited<R>> {
    return this.sender.signature<Awaited<R>>(this.name, args, {}, this.signatureOptions(), true);
  }

  /** Sends one task per argument list in a single pipeline. */
  async delayMany(argsList: readonly A[], options: SendOptions = {}): Promise<AsyncResult<Awaited<R>>[]> {
    const merged = this.callOptions(options);
    const results = await this.sender.sendMany(argsList.map((args) => ({ name: this.name, args, options: merged })));
    return results as AsyncResult<Awaited<R>>[];
  }

  /** The task's declared options a signature carries (the queue is its own, unless set). */
  private signatureOptions(): SignatureOptions {
    const o = this.options;
    return stripUndefined({ priority: o.priority, ignoreResult: o.ignoreResult || undefined, timeLimit: o.timeLimit, softTimeLimit: o.softTimeLimit, expires: o.expires });
  }

  private callOptions(options: SendOptions): SendOptions {
    const o = this.options;
    return {
      queue: o.queue,
      priority: o.priority,
      ignoreResult: o.ignoreResult,
      timeLimit: o.timeLimit,
      softTimeLimit: o.softTimeLimit,
      expires: o.expires,
      ...stripUndefined(options),
    };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
