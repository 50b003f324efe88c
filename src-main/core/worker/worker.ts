import { EventEmitter } from 'node:events';
import pino, { type Logger } from 'pino';
import { Blueprint } from './bootsteps.js';
import { withDefaults, type ResolvedWorkerOptions, type WorkerOptions } from './options.js';
import type { TaskInfo } from './pool/messages.js';
import { WorkerContext, workerSteps } from './steps/index.js';

/**
 * How long a second signal lets the hand-back of claims take while Redis answers; with Redis
 * gone it does not wait at all. The claims left behind come back by the visibility timeout.
 */
const FORCED_STOP_MS = 3000;

/**
 * `celeriac worker`: consumes the queues, runs tasks in the pool, stores results, and keeps
 * kombu's bookkeeping (claims fresh, stale claims restored, due ETA tasks moved). Nothing it
 * holds is only in its memory: every claim is in `unacked` until it is acknowledged. Its parts
 * are the steps in `steps/`, started in order and stopped in reverse.
 */
export class Worker extends EventEmitter {
  readonly options: ResolvedWorkerOptions;
  readonly log: Logger;
  /** Tasks the module registers, by name. */
  readonly tasks = new Map<string, TaskInfo>();
  private readonly ctx: WorkerContext;
  private readonly steps: Blueprint<WorkerContext>;
  private stopping: Promise<void> | null = null;
  /** A second signal's stop: bounded, whether or not Redis answers. */
  private forced: Promise<void> | null = null;

  constructor(options: WorkerOptions, log?: Logger) {
    super();
    this.options = withDefaults(options);
    this.log = log ?? pino({ level: 'silent' });
    this.ctx = new WorkerContext(this.options, this.log, this.tasks, (event) => this.emit(event));
    this.steps = new Blueprint(workerSteps(), this.log);
  }

  /** Connects, starts the pool and begins consuming. @throws when Redis or the task module cannot be reached */
  async start(): Promise<void> {
    try {
      await this.steps.start(this.ctx);
    } catch (err) {
      // Nothing may stay open (timers, connections, children) or the process would never exit.
      await this.ctx.heartbeat?.stop().catch(() => undefined);
      await this.ctx.pool?.stop(true).catch(() => undefined);
      await this.ctx.app?.close().catch(() => undefined);
      throw err;
    }
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
    this.ctx.cutGrace?.(); // stop waiting for running tasks, give everything back now
    this.forced ??= Promise.race([this.stopping, this.leaveClaims()]);
    return this.forced;
  }

  /** Counters for the heartbeat and `inspect stats`. */
  get stats() {
    return { ...this.ctx.handler.stats, active: this.ctx.handler.held.size };
  }

  private async shutdown(immediate: boolean): Promise<void> {
    this.ctx.stopping = true;
    this.ctx.immediate = immediate;
    await this.steps.stop(this.ctx, () => this.ctx.handBackSkipped);
    if (this.ctx.end === 'forced') return;
    this.ctx.end = 'orderly';
    this.emit('stopped');
  }

  /**
   * Ends a stop that waits on a Redis that is gone (every command waits for a reconnect): the
   * pool's children are stopped, the connections cut, and the claims still held stay in
   * `unacked` for the visibility timeout to restore.
   */
  private async leaveClaims(): Promise<void> {
    const ctx = this.ctx;
    const redisDown = ctx.redisWatch?.down ?? true;
    if (!redisDown) {
      await new Promise((r) => setTimeout(r, FORCED_STOP_MS).unref());
    }
    if (ctx.end) return;
    ctx.end = 'forced';
    const held = ctx.handler?.held.size ?? 0;
    const why = redisDown ? 'Redis is unreachable' : `handing the claims back took over ${FORCED_STOP_MS / 1000}s`;
    this.log.warn(`[Worker] ${why}: stopping now without handing back ${held} claim(s); the visibility timeout (${this.options.visibilityTimeout}s) restores them to their queues`);
    ctx.handler?.abandon();
    ctx.redisWatch?.stop();
    const bounded = <T>(p: Promise<T> | undefined): Promise<unknown> => Promise.race([p?.catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    await bounded(ctx.pool?.stop(true));
    await bounded(ctx.app?.close());
    this.emit('stopped');
  }
}
