import { EventEmitter } from 'node:events';
import pino, { type Logger } from 'pino';
import { createApp, type App } from '../app.js';
import { Publisher } from '../broker/publisher.js';
import { QoS } from '../broker/qos.js';
import { Inbox, INBOX_REFRESH_MS, restoreAbandonedInboxes } from '../broker/inbox.js';
import { connectOrExplain, parseRedisUrl } from '../broker/connection.js';
import { EventDispatcher } from '../events/dispatcher.js';
import { Heartbeat } from './heartbeat.js';
import { ControlServer } from '../control/server.js';
import { Revocations } from '../control/revocations.js';
import { controlHandlers } from './control-handlers.js';
import { consumptionOrder } from '../keys.js';
import { Consumer } from './consumer.js';
import { loadApp, resolveTaskModule } from './loader.js';
import { workerRouting, type WorkerRouting } from '../routing/worker-routing.js';
import { withDefaults, type ResolvedWorkerOptions, type WorkerOptions } from './options.js';
import { AsyncPool } from './pool/async-pool.js';
import type { TaskInfo } from './pool/messages.js';
import { ProcessPool } from './pool/process-pool.js';
import type { TaskPool } from './pool/task-pool.js';
import { Prefetch } from './prefetch.js';
import { RequestHandler } from './request.js';
import { AfterTask } from '../canvas/after-task.js';
import { RateLimiter } from './rate-limit.js';
import { PausedQueues } from '../broker/paused-queues.js';
import { RedisWatch } from './redis-watch.js';

/**
 * How long a second signal lets the hand-back of claims take while Redis answers; with Redis
 * gone it does not wait at all. The claims left behind come back by the visibility timeout.
 */
const FORCED_STOP_MS = 3000;

/**
 * `celeriac worker`: consumes the queues, runs tasks in the pool, stores results, and keeps
 * kombu's bookkeeping (claims fresh, stale claims restored, due ETA tasks moved). Nothing it
 * holds is only in its memory: every claim is in `unacked` until it is acknowledged.
 */
export class Worker extends EventEmitter {
  readonly options: ResolvedWorkerOptions;
  readonly log: Logger;
  /** Tasks the module registers, by name. */
  readonly tasks = new Map<string, TaskInfo>();
  private app!: App;
  private pool!: TaskPool;
  private qos!: QoS;
  private consumer!: Consumer;
  /** The queues consumed now (add_consumer / cancel_consumer change them). */
  private queues: string[] = [];
  private queuesChanging: Promise<unknown> = Promise.resolve();
  private inbox!: Inbox;
  private handler!: RequestHandler;
  /** Queues paused from the control room (celeriac:paused), and whether that changed since the consumer started. */
  private paused = new Set<string>();
  private pausedChanged = false;
  private unwatchPaused: (() => void) | null = null;
  private limiter: RateLimiter | null = null;
  /** Where follow-ups go and how consumed queues are bound, by the task module's app. */
  private routing!: WorkerRouting;
  private readonly inflight = new Set<Promise<void>>();
  private prefetch!: Prefetch;
  private readonly timers: NodeJS.Timeout[] = [];
  private promoteTimer: NodeJS.Timeout | null = null;
  /** When the promote timer fires next (unix ms). */
  private promoteAt = Infinity;
  private events!: EventDispatcher;
  private heartbeat: Heartbeat | null = null;
  private revocations!: Revocations;
  private control: ControlServer | null = null;
  private stopping: Promise<void> | null = null;
  /** Ends the warm-shutdown wait early (a second signal). */
  private cutGrace: (() => void) | null = null;
  /** A second signal's stop: bounded, whether or not Redis answers. */
  private forced: Promise<void> | null = null;
  /** The stop ended (cleanly, or by leaving the claims): the other way must do nothing more. */
  private stopped = false;
  private redisWatch: RedisWatch | null = null;

  constructor(options: WorkerOptions, log?: Logger) {
    super();
    this.options = withDefaults(options);
    this.log = log ?? pino({ level: 'silent' });
  }

  /** Connects, starts the pool and begins consuming. @throws when Redis or the task module cannot be reached */
  async start(): Promise<void> {
    try {
      await this.boot();
    } catch (err) {
      // Nothing may stay open (connections, children) or the process would never exit.
      await this.pool?.stop(true).catch(() => undefined);
      await this.app?.close().catch(() => undefined);
      throw err;
    }
  }

  private async boot(): Promise<void> {
    const o = this.options;
    const modulePaths = (Array.isArray(o.module) ? o.module : [o.module]).map((m) => resolveTaskModule(m));
    // As Celery's worker reads its app's settings: the task module's app says how tasks and
    // results are written and read, and where results go when it names a backend of its own.
    const [moduleApp] = await Promise.all(modulePaths.map((m) => loadApp(m)));
    const ownBackend = moduleApp && moduleApp.backendUrl !== moduleApp.brokerUrl ? moduleApp.backendUrl : undefined;
    // Celery's worker keeps results as long as its app's result_expires says.
    if (!o.resultExpiresGiven && moduleApp?.resultExpires !== undefined) o.resultExpires = moduleApp.resultExpires ?? 0;
    this.app = createApp({ broker: o.broker, backend: o.backend ?? ownBackend, resultExpires: o.resultExpires, redisOptions: o.redisOptions, ...moduleApp?.wireOptions });
    for (let attempt = 1; ; attempt++) {
      try {
        await connectOrExplain(this.app.broker, this.app.brokerUrl);
        break;
      } catch (err) {
        const of = o.connectRetries ?? 0;
        if (attempt > of) throw err;
        o.onConnectRetry?.(attempt, of, err as Error);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    this.redisWatch = new RedisWatch(this.app.broker, this.log, o.visibilityTimeout);
    this.pool =
      o.pool === 'async'
        ? new AsyncPool(modulePaths, o.concurrency)
        : new ProcessPool(modulePaths, {
            processes: o.concurrency,
            perChild: o.perChild,
            childConcurrency: o.childConcurrency,
            maxTasksPerChild: o.maxTasksPerChild,
            spawner: o.spawner,
            onChildEvent: (e) => this.log.warn(`[Pool] ${e}`),
          });
    for (const info of await this.pool.start()) this.tasks.set(info.name, info);
    let warned = 0;
    this.qos = new QoS(this.app.broker, undefined, (cap) => {
      // Once a minute at most: a flood of bad messages would otherwise flood the log too.
      if (Date.now() - warned < 60_000) return;
      warned = Date.now();
      this.log.warn(`[Worker] The dead-letter list is full (${cap}): the oldest entries are being dropped (counted in celeriac:dead:dropped). Requeue or drop them: celeriac dead list`);
    });
    const sameRedis = this.app.backendUrl === this.app.brokerUrl;
    const broker = parseRedisUrl(this.app.brokerUrl);
    this.events = new EventDispatcher(this.app.broker, broker.db, o.name, o.events);
    this.revocations = new Revocations(this.app.broker);
    await this.revocations.load();
    // Follow-ups and retries go where the task module's app routes them, not to Celeriac's defaults.
    const routing = (this.routing = workerRouting(await Promise.all(modulePaths.map((m) => loadApp(m)))));
    const publisher = new Publisher(this.app.broker, null, { db: broker.db, exchangeTypeOf: routing.exchangeTypeOf });
    const backend = this.app.backend;
    // A worker continuing a canvas sends each follow-up once per task id (a redelivery sends none again).
    const afterTask = new AfterTask({
      identity: { origin: o.name, replyTo: this.app.identity.replyTo },
      route: routing.route,
      // Follow-ups are written in this app's task serializer and compression, as Celery's worker does.
      publish: async (msg) => void (await publisher.publishOnce(this.app.withWireFormat(msg))),
      setChordSize: (groupId, size) => backend.setChordSize(groupId, size),
    }, backend);
    const limiter = o.disableRateLimits ? null : new RateLimiter((task) => this.tasks.get(task)?.rateLimit ?? null);
    this.limiter = limiter;
    this.handler = new RequestHandler({
      limiter,
      qos: this.qos,
      records: this.app.records,
      backend,
      publisher,
      afterTask,
      pool: this.pool,
      tasks: this.tasks,
      options: o,
      log: this.log,
      sameRedis,
      accept: this.app.accept,
      events: this.events,
      onScheduled: (eta) => this.scheduled(eta),
      revocations: this.revocations,
    });
    await this.restoreStale();
    this.prefetch = new Prefetch(o.prefetch, o.prefetchFixed);
    this.queues = [...o.queues];
    this.unwatchPaused = await new PausedQueues(this.app.broker).watch(this.app.open(this.app.brokerUrl), (paused) => {
      const had = this.paused;
      this.paused = paused;
      if (!this.consumer) return; // the first read, before the consumer starts
      if (this.queues.some((q) => had.has(q) !== paused.has(q))) {
        this.pausedChanged = true;
        void this.changeQueues((qs) => qs).catch(() => undefined);
      }
    });
    await this.declareBindings(this.queues);
    await this.startConsumer();
    this.startMaintenance();
    this.heartbeat = new Heartbeat(this.app.broker, this.events, () => ({
      active: this.handler.held.size,
      processed: this.handler.stats.processed,
      info: { pool: o.pool, concurrency: this.pool.size, queues: this.queues, events: this.events.taskEvents },
    }));
    await this.heartbeat.start();
    this.control = new ControlServer(this.app.broker, () => this.app.open(this.app.brokerUrl), broker.db, o.name, controlHandlers({
      options: o,
      prefetch: () => this.prefetch.limit,
      tasks: () => [...this.tasks.keys()],
      handler: this.handler,
      revocations: this.revocations,
      startedAt: Date.now(),
      broker: { host: broker.host, port: broker.port, db: broker.db },
      shutdown: () => this.emit('shutdown-requested'),
      queues: () => this.queues,
      addQueue: (queue) => void this.changeQueues((qs) => (qs.includes(queue) ? qs : [...qs, queue])).catch(() => undefined),
      cancelQueue: (queue) => void this.changeQueues((qs) => qs.filter((q) => q !== queue)).catch(() => undefined),
      events: this.events,
      pool: this.pool,
      taskInfo: (name) => this.tasks.get(name),
      resetRateLimits: () => this.limiter?.reset(),
      modules: modulePathsOf(o.module),
      brokerUrl: this.app.brokerUrl,
      backendUrl: this.app.backendUrl,
    }), (err) => this.log.error(`[Control] ${(err as Error).message}`));
    await this.control.start();
    this.emit('ready');
  }

  /**
   * Stops consuming, lets running tasks finish for up to `shutdownGrace` seconds (or not at
   * all with `immediate`), then hands every claim still held back to its queue. `immediate`
   * (a second signal) always ends: when Redis is gone, or the hand-back takes longer than
   * FORCED_STOP_MS, the claims are left to the visibility timeout and the log says so.
   */
  stop(immediate = false): Promise<void> {
    this.stopping ??= this.shutdown(immediate);
    if (!immediate) return this.stopping;
    this.cutGrace?.(); // stop waiting for running tasks, give everything back now
    this.forced ??= Promise.race([this.stopping, this.leaveClaims()]);
    return this.forced;
  }

  /**
   * Ends a stop that waits on a Redis that is gone (every command waits for a reconnect): the
   * pool's children are stopped, the connections cut, and the claims still held stay in
   * `unacked` for the visibility timeout to restore.
   */
  private async leaveClaims(): Promise<void> {
    const redisDown = this.redisWatch?.down ?? true;
    if (!redisDown) {
      await new Promise((r) => setTimeout(r, FORCED_STOP_MS).unref());
    }
    if (this.stopped) return;
    this.stopped = true;
    const held = this.handler?.held.size ?? 0;
    const why = redisDown ? 'Redis is unreachable' : `handing the claims back took over ${FORCED_STOP_MS / 1000}s`;
    this.log.warn(`[Worker] ${why}: stopping now without handing back ${held} claim(s); the visibility timeout (${this.options.visibilityTimeout}s) restores them to their queues`);
    this.handler?.abandon();
    this.redisWatch?.stop();
    const bounded = <T>(p: Promise<T> | undefined): Promise<unknown> => Promise.race([p?.catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    await bounded(this.pool?.stop(true));
    await bounded(this.app?.close());
    this.emit('stopped');
  }

  /** Counters for the heartbeat and `inspect stats`. */
  get stats() {
    return { ...this.handler.stats, active: this.handler.held.size };
  }

  private async shutdown(immediate: boolean): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    if (this.promoteTimer) clearTimeout(this.promoteTimer);
    this.control?.stop();
    this.unwatchPaused?.();
    // A child that dies now (the group's Ctrl-C reached it, say) is not replaced.
    this.pool?.drain();
    await this.consumer?.stop();
    // Messages waiting for a rate limit are not running: they go back at once, not after the grace.
    this.handler?.releaseWaiting();
    if (!immediate && this.inflight.size > 0) {
      this.log.info(`[Worker] waiting up to ${this.options.shutdownGrace}s for ${this.inflight.size} task(s) to finish`);
      let timer: NodeJS.Timeout | undefined;
      const cut = new Promise<void>((resolve) => {
        this.cutGrace = resolve;
        timer = setTimeout(resolve, this.options.shutdownGrace * 1000);
      });
      await Promise.race([Promise.allSettled(this.inflight), cut]);
      clearTimeout(timer);
    }
    this.handler?.abandon();
    if (this.stopped) return; // a second signal left the claims to the visibility timeout
    await this.handBack();
    // What a last wait moved into the inbox as the consumer stopped goes back too.
    await this.inbox?.handBack().catch(() => 0);
    this.events?.flush();
    await this.heartbeat?.stop();
    await this.pool?.stop(true);
    if (this.stopped) return;
    this.stopped = true;
    this.redisWatch?.stop();
    await this.app?.close();
    this.emit('stopped');
  }

  /**
   * As kombu's consumer declares its queues: each queue's binding (its own name, and the
   * exchange and routing key its app's taskQueues give it), so producers' routing finds it.
   */
  private async declareBindings(queues: readonly string[]): Promise<void> {
    const pipeline = this.app.broker.pipeline();
    for (const q of queues) for (const b of this.routing.bindingsOf(q)) pipeline.sadd(b.key, b.member);
    await pipeline.exec();
  }

  /** Consumes `this.queues`, in kombu's order, each with its inbox. */
  private async startConsumer(): Promise<void> {
    // A paused queue (the control room's) is not consumed: its messages wait where they are.
    const lists = consumptionOrder(this.queues.filter((q) => !this.paused.has(q)));
    this.inbox = new Inbox(this.app.broker, lists);
    await this.inbox.refresh();
    this.consumer = new Consumer(
      this.qos,
      lists,
      () => this.app.open(this.app.brokerUrl),
      () => this.prefetch.limit - this.handler.held.size,
      (claims) => claims.forEach((c) => this.track(this.handler.handle(c))),
      (err) => this.log.error(`[Worker] consuming failed: ${(err as Error).message}; retrying`),
      this.inbox,
    );
    this.consumer.start();
  }

  /**
   * Starts or stops consuming a queue (`celery control add_consumer / cancel_consumer`). The
   * consumer is replaced by one on the new list of queues: the waits end, what they moved into
   * the inbox goes back to its queue, and the new one starts. Running tasks go on.
   */
  private changeQueues(change: (queues: string[]) => string[]): Promise<void> {
    const next = this.queuesChanging.then(async () => {
      if (this.stopping) return;
      const queues = change([...this.queues]);
      if (queues.join('\n') === this.queues.join('\n') && !this.pausedChanged) return;
      this.pausedChanged = false;
      await this.consumer.stop();
      await this.inbox.handBack().catch(() => 0);
      this.queues = queues;
      await this.declareBindings(queues);
      await this.startConsumer();
      this.log.info(`[Worker] now consuming from ${queues.join(', ') || '(no queue)'}`);
    });
    this.queuesChanging = next.catch((err: unknown) => this.log.error(`[Worker] could not change its queues: ${(err as Error).message}`));
    return next;
  }

  /** Restores every claim this worker still holds (nothing is lost, the next worker runs them). */
  private async handBack(): Promise<void> {
    const tags = [...this.handler.held.keys()];
    if (tags.length === 0) return;
    const n = await this.qos.restore(tags).catch(() => 0);
    this.log.warn(`[Worker] Restoring ${n} unacknowledged message(s)`);
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => {
      this.inflight.delete(p);
      this.consumer.nudge();
    });
  }

  private startMaintenance(): void {
    const vt = this.options.visibilityTimeout;
    if (!this.options.prefetchFixed) this.timers.push(setInterval(() => this.prefetch.sample(this.handler.stats.processed), 100));
    // Claims of running tasks stay fresh well within the visibility timeout.
    this.timers.push(setInterval(() => void this.qos.touch([...this.handler.held.keys()]).catch(() => undefined), clamp(vt * 250, 250, 30_000)));
    // Anyone's stale claims are restored (kombu does this every ~100 s; a short timeout asks for more).
    this.timers.push(setInterval(() => void this.restoreStale(), clamp(vt * 500, 500, 60_000)));
    this.timers.push(setInterval(() => void this.inbox.refresh().catch(() => undefined), INBOX_REFRESH_MS));
    // Records stay bounded by the cap and the result expiry.
    const trim = (): void => void this.app.records.trim((this.options.resultExpires || 0) * 1000, this.options.recordsCap).catch(() => undefined);
    trim();
    this.timers.push(setInterval(trim, 60_000));
    this.promoteDue();
  }

  private async restoreStale(): Promise<void> {
    try {
      const n = await this.qos.sweep(this.options.visibilityTimeout);
      if (n > 0) this.log.warn(`[Worker] Restored ${n} message(s) whose claim was older than ${this.options.visibilityTimeout}s`);
      const m = await restoreAbandonedInboxes(this.app.broker);
      if (m > 0) this.log.warn(`[Worker] Restored ${m} message(s) from the inbox of a worker that is gone`);
    } catch (err) {
      this.log.error(`[Worker] visibility sweep failed: ${(err as Error).message}`);
    }
  }

  /** A task was scheduled for `etaMs`: wake up for it if that is sooner than planned. */
  private scheduled(etaMs: number): void {
    if (!this.stopping && this.promoteTimer && etaMs < this.promoteAt) this.armPromote(Math.max(5, etaMs - Date.now()));
  }

  private armPromote(wait: number): void {
    if (this.promoteTimer) clearTimeout(this.promoteTimer);
    this.promoteAt = Date.now() + wait;
    this.promoteTimer = setTimeout(() => {
      this.promoteTimer = null;
      this.promoteDue();
    }, wait);
  }

  /** Moves due ETA tasks to their queues, then sleeps until the next is due (at most 1 s). */
  private promoteDue(): void {
    if (this.stopping) return;
    this.qos
      .promoteDue()
      .then(({ moved, nextDue }) => {
        if (this.stopping) return;
        if (moved > 0) this.log.debug(`[Worker] ${moved} scheduled task(s) are due`);
        const wait = moved >= 1000 ? 0 : nextDue === null ? 1000 : clamp(nextDue - Date.now(), 5, 1000);
        this.armPromote(wait);
      })
      .catch(() => {
        if (!this.stopping) this.armPromote(1000);
      });
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

function modulePathsOf(module: string | readonly string[]): string[] {
  return Array.isArray(module) ? [...module] : [module as string];
}
