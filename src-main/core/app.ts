import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis, RedisOptions } from 'ioredis';
import { AsyncResult } from './backend/async-result.js';
import { RedisBackend } from './backend/redis-backend.js';
import { GroupResult } from './backend/group-result.js';
import { toResultTuple } from './canvas/result-tuple.js';
import { signature, type Signature, type SignatureOptions } from './canvas/signature.js';
import { scheduleOf, type PeriodicOptions } from './beat/schedule.js';
import { parseRate } from './worker/rate-limit.js';
import { DEFAULT_BROKER_URL, openRedis, parseRedisUrl } from './broker/connection.js';
import { Publisher } from './broker/publisher.js';
import { purgeQueues, queueLength } from './broker/purge.js';
import { ConfigurationError } from './errors.js';
import { Control } from './control/client.js';
import { TaskRecords } from './records/record-store.js';
import { DEFAULT_QUEUE } from './keys.js';
import { buildTaskMessage, checkArguments, type ProducerIdentity, type SendOptions } from './protocol/build.js';
import type { TaskMessage } from './protocol/types.js';
import { Task, type TaskCall, type TaskFn, type TaskOptions, type TaskSender } from './task.js';

export interface AppOptions {
  /** Broker URL. @default $CELERIAC_BROKER_URL, else $CELERY_BROKER_URL, else redis://127.0.0.1:6379/0 */
  broker?: string;
  /** Result backend URL. @default $CELERIAC_RESULT_BACKEND, else $CELERY_RESULT_BACKEND, else the broker */
  backend?: string;
  /** Seconds results are kept; null keeps them forever. @default 86400 */
  resultExpires?: number | null;
  /** Queue of tasks that name none. @default "celery" */
  defaultQueue?: string;
  /** Extra ioredis options for every connection (TLS certificates, timeouts, retry strategy). */
  redisOptions?: RedisOptions;
  /**
   * Also write each sent task's record (`celeriac:records`) in the same round trip, so the
   * control room lists tasks no worker has taken yet. Workers write records of every task they
   * take either way (Python producers write none). Costs about a third of bulk send speed.
   * @default false
   */
  taskRecords?: boolean;
}

/** Resolves the broker URL the way the CLI and createApp() do. */
export function resolveBrokerUrl(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit || env.CELERIAC_BROKER_URL || env.CELERY_BROKER_URL || DEFAULT_BROKER_URL;
}

/** Resolves the result backend URL; it defaults to the broker. */
export function resolveBackendUrl(explicit: string | undefined, brokerUrl: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit || env.CELERIAC_RESULT_BACKEND || env.CELERY_RESULT_BACKEND || brokerUrl;
}

/**
 * A Celeriac app: the task registry and the producer. Connections open on first use.
 */
export class App implements TaskSender {
  readonly brokerUrl: string;
  readonly backendUrl: string;
  readonly defaultQueue: string;
  /** Registered tasks by name. */
  readonly tasks = new Map<string, Task<any[], any>>();
  /** Who we are on the wire (`origin`, `reply_to`). */
  readonly identity: ProducerIdentity = { origin: `gen${process.pid}@${hostname()}`, replyTo: randomUUID() };

  private brokerConn: Redis | null = null;
  private backendConn: Redis | null = null;
  private publisherInstance: Publisher | null = null;
  private controlInstance: Control | null = null;
  private recordsInstance: TaskRecords | null = null;
  private backendInstance: RedisBackend | null = null;
  private readonly opened: Redis[] = [];

  /** The extra ioredis options every connection of this app gets (a worker started from the app reuses them). */
  get redisOptions(): RedisOptions | undefined {
    return this.options.redisOptions;
  }

  constructor(private readonly options: AppOptions = {}) {
    this.brokerUrl = resolveBrokerUrl(options.broker);
    this.backendUrl = resolveBackendUrl(options.backend, this.brokerUrl);
    parseRedisUrl(this.brokerUrl);
    parseRedisUrl(this.backendUrl);
    this.defaultQueue = options.defaultQueue ?? DEFAULT_QUEUE;
  }

  /**
   * Registers a task.
   * @param name the name workers know it by, e.g. `tasks.add` (Python's default is `module.function`)
   * @throws ConfigurationError if the name is taken
   */
  task<A extends unknown[], R>(name: string, fn: TaskFn<A, R>): Task<A, R>;
  task<A extends unknown[], R>(name: string, options: TaskOptions, fn: TaskFn<A, R>): Task<A, R>;
  task<A extends unknown[], R>(name: string, a: TaskOptions | TaskFn<A, R>, b?: TaskFn<A, R>): Task<A, R> {
    const [options, fn] = typeof a === 'function' ? [{}, a] : [a, b];
    if (typeof fn !== 'function') throw new ConfigurationError(`task ${name}: the last argument must be the task function`);
    if (this.tasks.has(name)) throw new ConfigurationError(`a task named ${name} is already registered; task names must be unique`);
    if (options.rateLimit !== undefined) {
      try {
        parseRate(options.rateLimit);
      } catch (err) {
        throw new ConfigurationError(`task ${name}: rateLimit ${JSON.stringify(options.rateLimit)} is not N/s, N/m or N/h (${(err as Error).message})`);
      }
    }
    const task = new Task<A, R>(name, { queue: this.defaultQueue, ...options }, fn, this);
    this.tasks.set(name, task);
    return task;
  }

  /**
   * Sends a task by name, including tasks only another worker (e.g. a Python one) knows.
   * @throws NotSerializableError, ConfigurationError
   */
  async sendTask<R = unknown>(
    name: string,
    args: readonly unknown[] = [],
    kwargs: Record<string, unknown> = {},
    options: SendOptions = {},
  ): Promise<AsyncResult<R>> {
    const msg = buildTaskMessage(name, args, kwargs, { queue: this.defaultQueue, ...options }, this.identity);
    await this.publisher.publish(msg);
    return new AsyncResult<R>(msg.id, this.backend);
  }

  /** Periodic entries declared with periodic(), by name: what a beat started from this app sends. */
  readonly periodicEntries = new Map<string, PeriodicOptions>();

  /**
   * Declares a periodic entry (celery beat's `beat_schedule`), sent by `celeriac beat -A module`:
   * `{ task, every: 10 }`, `{ task, cron: '0 3 * * *', timezone: 'Europe/Berlin' }` or `{ task, at }`,
   * with args, kwargs and each send's options (queue, priority, expires).
   * @throws ConfigurationError for a bad schedule or a name declared twice
   */
  periodic(name: string, options: PeriodicOptions): void {
    scheduleOf(options);
    if (typeof options.task !== 'string' || options.task === '') throw new ConfigurationError(`periodic entry ${name}: task must be a task name`);
    checkArguments(options.task, options.args ?? [], options.kwargs ?? {});
    if (this.periodicEntries.has(name)) throw new ConfigurationError(`a periodic entry named ${name} is already declared`);
    this.periodicEntries.set(name, options);
  }

  /**
   * A signature of a task by name, including one only another worker (e.g. a Python one)
   * knows: `app.signature('proj.tasks.mul', [2], {}, { queue: 'py' })`.
   * @throws NotSerializableError for arguments that are not JSON
   */
  signature<R = unknown>(name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: SignatureOptions = {}, immutable = false): Signature<R> {
    return signature<R>(this, name, args, kwargs, options, immutable);
  }

  /** The queue a task registered here declared; undefined for a task this app does not know. */
  queueOfTask(name: string): string | undefined {
    return this.tasks.get(name)?.options.queue;
  }

  /** A group saved with GroupResult.save() (by Celeriac or Python), or null. */
  async restoreGroup(groupId: string): Promise<GroupResult | null> {
    const tuple = toResultTuple(await this.backend.restoreGroup(groupId));
    if (!tuple || tuple[1] === null) return null;
    return new GroupResult(groupId, tuple[1].map(([[id]]) => new AsyncResult(id, this.backend)), this.backend, this.control);
  }

  /** Publishes a message as it is (e.g. a stored one sent again), with its record when records are on. */
  async publishMessage(msg: TaskMessage): Promise<void> {
    await this.publisher.publish(msg);
  }

  /**
   * Sends many tasks in one pipeline. Every call is checked before anything is sent; then
   * messages are built, encoded and written a chunk at a time, so Redis stores one chunk while
   * the next is built.
   * @throws NotSerializableError, ConfigurationError (and nothing was sent)
   */
  async sendMany(calls: readonly TaskCall[]): Promise<AsyncResult[]> {
    // Calls from delayMany share one options object: merge and check it once.
    const merged = new Map<SendOptions | undefined, SendOptions>();
    const optionsOf = (c: TaskCall): SendOptions => {
      let options = merged.get(c.options);
      if (!options) {
        merged.set(c.options, (options = { queue: this.defaultQueue, ...c.options }));
        buildTaskMessage('check', [], {}, options, this.identity); // throws on bad options
      }
      return options;
    };
    for (const c of calls) {
      optionsOf(c);
      checkArguments(c.name, c.args ?? [], c.kwargs ?? {});
    }
    const publisher = this.publisher;
    const ids: string[] = new Array(calls.length);
    const identity = this.identity;
    function* prepared() {
      for (let i = 0; i < calls.length; i++) {
        const c = calls[i]!;
        const msg = buildTaskMessage(c.name, c.args ?? [], c.kwargs ?? {}, optionsOf(c), identity, Date.now(), true);
        ids[i] = msg.id;
        yield publisher.prepare(msg);
      }
    }
    await publisher.publishMany(prepared());
    const backend = this.backend;
    return ids.map((id) => new AsyncResult(id, backend));
  }

  /** A handle on any task's result by id. */
  asyncResult<R = unknown>(taskId: string): AsyncResult<R> {
    return new AsyncResult<R>(taskId, this.backend);
  }

  /** Deletes the waiting messages of queues. @returns messages removed per queue */
  purge(queues: readonly string[] = [this.defaultQueue]): Promise<Map<string, number>> {
    return purgeQueues(this.broker, queues);
  }

  /** Messages waiting in a queue, over its priority lists. */
  queueLength(queue: string = this.defaultQueue): Promise<number> {
    return queueLength(this.broker, queue);
  }

  /** The broker's commands connection (opened on first use). */
  get broker(): Redis {
    return (this.brokerConn ??= this.open(this.brokerUrl));
  }

  /** The result backend. */
  get backend(): RedisBackend {
    if (!this.backendInstance) {
      this.backendConn ??= this.backendUrl === this.brokerUrl ? this.broker : this.open(this.backendUrl);
      this.backendInstance = new RedisBackend(this.backendConn, () => this.open(this.backendUrl), {
        resultExpires: this.options.resultExpires,
      });
    }
    return this.backendInstance;
  }

  /** Remote control of the workers (ping, inspect, revoke), Python's and ours. */
  /** Celeriac's task records on the broker (written by the worker and, with taskRecords, the producer). */
  get records(): TaskRecords {
    return (this.recordsInstance ??= new TaskRecords(this.broker));
  }

  get control(): Control {
    return (this.controlInstance ??= new Control(this.broker, () => this.open(this.brokerUrl), parseRedisUrl(this.brokerUrl).db));
  }

  /** Opens a new connection to a URL of this app, closed with the app. */
  open(url: string): Redis {
    const conn = openRedis(url, this.options.redisOptions);
    this.opened.push(conn);
    return conn;
  }

  /** Closes every connection the app opened. */
  async close(): Promise<void> {
    await this.backendInstance?.close();
    // QUIT on a connection that is not up waits for it to come back (for ever, if its Redis
    // is gone): those are cut instead; nothing is pending on them that QUIT would flush.
    await Promise.all(this.opened.splice(0).map((c) => (c.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c.disconnect())));
    this.brokerConn = this.backendConn = null;
    this.publisherInstance = null;
    this.backendInstance = null;
    this.controlInstance = null;
    this.recordsInstance = null;
  }

  private get publisher(): Publisher {
    return (this.publisherInstance ??= new Publisher(this.broker, this.options.taskRecords ? this.records : null));
  }
}

/** Creates an app. Nothing connects until the first send or read. */
export function createApp(options: AppOptions = {}): App {
  return new App(options);
}
