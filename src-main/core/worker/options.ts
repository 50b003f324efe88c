import { cpus, hostname } from 'node:os';
import type { RedisOptions } from 'ioredis';
import type { Spawner } from './pool/spawner.js';

export interface WorkerOptions {
  /** The task module(s) (`-A`): .ts/.js/.mjs paths or package specifiers, each exporting `app`. */
  module: string | string[];
  /** Broker URL. @default as createApp() resolves it */
  broker?: string;
  /** Result backend URL. @default the broker */
  backend?: string;
  /** Extra ioredis options for the worker's connections (TLS certificates and keys). */
  redisOptions?: RedisOptions;
  /** Queues to consume, in order of preference. @default ['celery'] */
  queues?: string[];
  /** Child processes (process pool) or tasks in flight (async pool). @default the CPU count */
  concurrency?: number;
  /** @default 'process' */
  pool?: 'process' | 'async';
  /**
   * Jobs sent ahead to each child process, running or waiting there: more is faster for short
   * tasks, 1 is fairest for long ones. 'auto' sends ahead only behind tasks known to be short
   * (process-pool.ts, SendAhead). @default 'auto'
   */
  perChild?: number | 'auto';
  /** Jobs one child runs at once (async tasks interleave). @default 1 */
  childConcurrency?: number;
  /** Node name, `name@host`, unique per worker. @default `celeriac@<hostname>` */
  name?: string;
  /**
   * Messages claimed at most, running or waiting here (they wait claimed in Redis, not only
   * here). Unset, it is 4 per slot and grows with the completion rate, so that what waits here
   * takes about 50 ms to work through (prefetch.ts). @default adaptive, at least slots × 4
   */
  prefetch?: number;
  /** Seconds after which anyone's unacknowledged claim is restored to its queue. @default 3600 */
  visibilityTimeout?: number;
  /** Replace a child after this many tasks. @default unlimited */
  maxTasksPerChild?: number;
  /** Hard time limit in seconds for tasks that declare none. */
  timeLimit?: number;
  /** Soft time limit in seconds for tasks that declare none. */
  softTimeLimit?: number;
  /** Seconds results are kept; null = forever. @default 86400 */
  resultExpires?: number | null;
  /** Seconds a warm shutdown waits for running tasks before handing their claims back. @default 30 */
  shutdownGrace?: number;
  /** Ignore every task's rateLimit (Celery's worker_disable_rate_limits, --without-rate-limits). @default false */
  disableRateLimits?: boolean;
  /** What happens to the task of a child that died: 'fail' (Celery's default) or 'redeliver'. @default 'fail' */
  onChildLost?: 'fail' | 'redeliver';
  /** Most task records kept (`celeriac:records`); older ones are dropped, as are those past the result expiry. @default 100000 */
  recordsCap?: number;
  /** Send task events (`-E`) for `celery events`, Flower and the control room; worker heartbeats are sent either way. @default false */
  events?: boolean;
  /** Milliseconds a task event waits at most before it is sent, in a `task.multi` with the others buffered. @default 25 */
  taskEventFlushMs?: number;
  /** Task events buffered that are sent at once, as one `task.multi` message. @default 256 */
  taskEventBufferLimit?: number;
  /** How process-pool children are started. @default child_process.fork */
  spawner?: Spawner;
  /**
   * Tries to connect at start before giving up, 2 s apart (Celery retries by default; a
   * worker started during a Sentinel failover needs a few). @default 0: fail at once, one line
   */
  connectRetries?: number;
  /** Told of each failed attempt to connect at start (the CLI logs it). */
  onConnectRetry?: (attempt: number, of: number, err: Error) => void;
}

/** Defaults in one place. */
export function withDefaults(o: WorkerOptions) {
  const concurrency = Math.max(1, o.concurrency ?? cpus().length);
  const pool = o.pool ?? 'process';
  const childConcurrency = Math.max(1, o.childConcurrency ?? 1);
  const perChild = o.perChild === undefined || o.perChild === 'auto' ? 'auto' as const : Math.max(childConcurrency, o.perChild);
  // Slots: tasks that run at once. Jobs sent ahead to a child wait there, they are not slots.
  const capacity = pool === 'async' ? concurrency : concurrency * childConcurrency;
  return {
    ...o,
    queues: o.queues && o.queues.length > 0 ? o.queues : ['celery'],
    concurrency,
    pool,
    perChild,
    childConcurrency,
    capacity,
    name: o.name ?? `celeriac@${hostname()}`,
    prefetch: Math.max(capacity, o.prefetch ?? capacity * 4),
    /** The user set `prefetch`: it does not adapt. */
    prefetchFixed: o.prefetch !== undefined,
    visibilityTimeout: o.visibilityTimeout ?? 3600,
    resultExpires: o.resultExpires === undefined ? 86_400 : o.resultExpires ?? 0,
    /** The worker was told resultExpires: its task module's app does not change it. */
    resultExpiresGiven: o.resultExpires !== undefined,
    shutdownGrace: o.shutdownGrace ?? 30,
    disableRateLimits: o.disableRateLimits ?? false,
    onChildLost: o.onChildLost ?? 'fail',
    recordsCap: o.recordsCap ?? 100_000,
    events: o.events ?? false,
  };
}

export type ResolvedWorkerOptions = ReturnType<typeof withDefaults>;
