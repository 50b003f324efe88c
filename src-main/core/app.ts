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
import { resolveCompression } from './protocol/compression.js';
import { acceptedContentTypes, resolveSerializer, type SerializerName } from './protocol/serializers.js';
import { Router, type Destination } from './routing/router.js';
import type { Route, TaskRoutes } from './routing/routes.js';
import { declareQueues, type QueueDeclaration } from './routing/queues.js';
import { Task, type TaskCall, type TaskFn, type TaskOptions, type TaskSender } from './task.js';

export interface AppOptions {
  /** Broker URL. @default $CELERIAC_BROKER_URL, else $CELERY_BROKER_URL, else redis://127.0.0.1:6379/0 */
  broker?: string;
  /** Result backend URL. @default $CELERIAC_RESULT_BACKEND, else $CELERY_RESULT_BACKEND, else the broker */
  backend?: string;
  /** Seconds results are kept; null keeps them forever. @default 86400 */
  resultExpires?: number | null;
  /** Queue of tasks that name none and no route sends elsewhere (Celery's task_default_queue). @default "celery" */
  defaultQueue?: string;
  /**
   * Celery's `task_routes`: `{ 'tasks.add': { queue: 'math' }, 'media.*': 'media' }` (a name, a
   * glob, or in a Map or pair list a RegExp → a route or a queue name), a router function
   * `(name, args, kwargs, options) => route | undefined`, or an ordered list of both; the first
   * answer wins. A route: `{ queue, exchange, routingKey, exchangeType, priority }`. Used for
   * everything this app sends, and by a worker of this app for everything it sends next
   * (chain steps, callbacks, errbacks, chord bodies). Below the call's options and the task's
   * declared queue, as in Celery.
   */
  taskRoutes?: TaskRoutes;
  /**
   * Celery's `task_queues`: queues bound to an exchange or under a routing key other than their
   * name, e.g. `[{ name: 'rq', exchange: 'rex', routingKey: 'rk' }]`. A worker of this app
   * consuming one declares its binding (`_kombu.binding.rex`), as a Celery worker does; a route
   * to one of a topic or fanout exchange is sent through that exchange.
   */
  taskQueues?: ReadonlyArray<string | QueueDeclaration>;
  /** Exchange of a topic or fanout route that names none, and of the default queue's binding (Celery's task_default_exchange). @default the queue's name */
  defaultExchange?: string;
  /** Routing key of a topic or fanout route that names none, and of the default queue's binding (Celery's task_default_routing_key). @default the queue's name */
  defaultRoutingKey?: string;
  /** Priority of a message nothing gives one (Celery's task_default_priority). @default none (0 on the wire) */
  defaultPriority?: number;
  /** Extra ioredis options for every connection (TLS certificates, timeouts, retry strategy). */
  redisOptions?: RedisOptions;
  /**
   * Also write each sent task's record (`celeriac:records`) in the same round trip, so the
   * control room lists tasks no worker has taken yet. Workers write records of every task they
   * take either way (Python producers write none). Slows bulk sends (see docs/performance.md).
   * @default false
   */
  taskRecords?: boolean;
  /** Serializer of the tasks this app sends (Celery's task_serializer): json, msgpack or yaml. @default json */
  taskSerializer?: string;
  /**
   * Serializer of the results its workers store (result_serializer). Reading detects JSON and
   * msgpack whatever it says; yaml results are read only with it set. @default json
   */
  resultSerializer?: string;
  /**
   * Content types (or serializer names) its workers take (accept_content); others are
   * dead-lettered with Celery's ContentDisallowed reason. Pickle is never taken.
   * @default json and the taskSerializer
   */
  accept?: readonly string[];
  /**
   * Compression of the tasks this app sends (task_compression): gzip (= zlib) or brotli;
   * bzip2, lzma and zstd need native modules and are refused. @default none
   */
  taskCompression?: string;
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
  /** How this app's messages are written when a send names no serializer or compression. */
  readonly wireFormat: { serializer: SerializerName; compression: string | null };
  /** The content types its workers take (accept_content). */
  readonly accept: ReadonlySet<string>;
  /** Where each message of this app goes (taskRoutes, declared queues, defaults). */
  readonly router: Router;
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

  /** How long this app's results are kept, as it was given (undefined: not said; a worker started from the app takes it). */
  get resultExpires(): number | null | undefined {
    return this.options.resultExpires;
  }

  constructor(private readonly options: AppOptions = {}) {
    this.brokerUrl = resolveBrokerUrl(options.broker);
    this.backendUrl = resolveBackendUrl(options.backend, this.brokerUrl);
    parseRedisUrl(this.brokerUrl);
    parseRedisUrl(this.backendUrl);
    this.defaultQueue = options.defaultQueue ?? DEFAULT_QUEUE;
    const serializer = resolveSerializer(options.taskSerializer ?? 'json', 'taskSerializer').name;
    this.wireFormat = { serializer, compression: options.taskCompression ? resolveCompression(options.taskCompression) : null };
    this.accept = acceptedContentTypes(options.accept ?? ['json', serializer]);
    if (options.resultSerializer !== undefined) resolveSerializer(options.resultSerializer, 'resultSerializer');
    this.router = new Router({
      taskRoutes: options.taskRoutes,
      defaultQueue: this.defaultQueue,
      defaultExchange: options.defaultExchange,
      defaultRoutingKey: options.defaultRoutingKey,
      defaultPriority: options.defaultPriority,
      queues: declareQueues(options.taskQueues),
      declared: (name) => {
        const o = this.tasks.get(name)?.options;
        return o && { queue: o.queue, priority: o.priority };
      },
    });
  }

  /**
   * Where a message of this task goes (Celery's Router.route, then send_task_message).
   * @param given the call's options over the signature's
   * @param declared whether the task's declared queue and priority apply (not for sendTask by name, as in Celery)
   * @throws ConfigurationError for a bad route
   */
  route(name: string, args: readonly unknown[], kwargs: Record<string, unknown>, given: Route = {}, declared = true): Destination {
    return this.router.route(name, args, kwargs, given, declared);
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
    // No queue filled in: a task that declares none is routed (taskRoutes, then defaultQueue).
    const task = new Task<A, R>(name, options, fn, this);
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
    const msg = buildTaskMessage(name, args, kwargs, this.routed(name, args, kwargs, options), this.identity);
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

  /** Send options with their destination resolved: queue, exchange, routing key and priority. */
  private routed(name: string, args: readonly unknown[], kwargs: Record<string, unknown>, options: SendOptions): SendOptions {
    const d = this.router.route(name, args, kwargs, { queue: options.queue, exchange: options.exchange, routingKey: options.routingKey, exchangeType: options.exchangeType, priority: options.priority }, false);
    return { serializer: this.wireFormat.serializer, compression: this.wireFormat.compression ?? undefined, ...options, queue: d.queue, exchange: d.exchange, routingKey: d.routingKey, exchangeType: d.exchangeType, priority: d.priority };
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
    await this.publisher.publish(this.withWireFormat(msg));
  }

  /**
   * Sends many tasks in one pipeline. Every call is checked before anything is sent; then
   * messages are built, encoded and written a chunk at a time, so Redis stores one chunk while
   * the next is built.
   * @throws NotSerializableError, ConfigurationError (and nothing was sent)
   */
  async sendMany(calls: readonly TaskCall[]): Promise<AsyncResult[]> {
    // Calls from delayMany share one options object: route and check it once per task name
    // (a router function may look at the arguments: then each call is routed).
    const merged = new Map<SendOptions | undefined, Map<string, SendOptions>>();
    const optionsOf = (c: TaskCall): SendOptions => {
      if (this.router.hasFunctions) {
        const options = this.routed(c.name, c.args ?? [], c.kwargs ?? {}, c.options ?? {});
        buildTaskMessage('check', [], {}, options, this.identity);
        return options;
      }
      let byName = merged.get(c.options);
      if (!byName) merged.set(c.options, (byName = new Map()));
      let options = byName.get(c.name);
      if (!options) {
        byName.set(c.name, (options = this.routed(c.name, c.args ?? [], c.kwargs ?? {}, c.options ?? {})));
        buildTaskMessage('check', [], {}, options, this.identity); // throws on bad options
      }
      return options;
    };
    const routedOptions: SendOptions[] = new Array(calls.length);
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i]!;
      routedOptions[i] = optionsOf(c);
      checkArguments(c.name, c.args ?? [], c.kwargs ?? {});
    }
    const publisher = this.publisher;
    const ids: string[] = new Array(calls.length);
    const identity = this.identity;
    // Messages for a named exchange need their bindings read: sent one by one after the bulk.
    const viaExchange: TaskMessage[] = [];
    function* prepared() {
      for (let i = 0; i < calls.length; i++) {
        const c = calls[i]!;
        const msg = buildTaskMessage(c.name, c.args ?? [], c.kwargs ?? {}, routedOptions[i]!, identity, Date.now(), true);
        ids[i] = msg.id;
        if (msg.exchange !== '') viaExchange.push(msg);
        else yield publisher.prepare(msg);
      }
    }
    await publisher.publishMany(prepared());
    for (const msg of viaExchange) await publisher.publish(msg);
    const backend = this.backend;
    return ids.map((id) => new AsyncResult(id, backend));
  }

  /** A handle on any task's result by id. */
  asyncResult<R = unknown>(taskId: string): AsyncResult<R> {
    return new AsyncResult<R>(taskId, this.backend);
  }

  /** The wire settings as given: a worker started from this app's module writes and reads as they say. */
  get wireOptions(): Pick<AppOptions, 'taskSerializer' | 'resultSerializer' | 'accept' | 'taskCompression'> {
    const { taskSerializer, resultSerializer, accept, taskCompression } = this.options;
    return { taskSerializer, resultSerializer, accept, taskCompression };
  }

  /** A message that names no serializer or compression (one built for a canvas) written as this app writes its own. */
  withWireFormat(msg: TaskMessage): TaskMessage {
    if (msg.serializer !== undefined && msg.compression !== undefined) return msg;
    return { ...msg, serializer: msg.serializer ?? this.wireFormat.serializer, compression: msg.compression === undefined ? this.wireFormat.compression : msg.compression };
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
        serializer: this.options.resultSerializer,
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

  /**
   * Drops every open connection the app opened so that each connects afresh (ioredis sends
   * again what had no reply): after a network cut, a socket can stay open with nothing coming
   * through it for minutes.
   */
  reconnect(): void {
    for (const c of this.opened) if (c.status === 'ready' || c.status === 'connect') c.disconnect(true);
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
    const routing = { db: parseRedisUrl(this.brokerUrl).db, exchangeTypeOf: (exchange: string) => this.router.exchangeTypeOf(exchange) };
    return (this.publisherInstance ??= new Publisher(this.broker, this.options.taskRecords ? this.records : null, routing));
  }
}

/** Creates an app. Nothing connects until the first send or read. */
export function createApp(options: AppOptions = {}): App {
  return new App(options);
}
