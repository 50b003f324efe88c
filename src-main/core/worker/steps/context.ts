import type { Logger } from 'pino';
import type { App } from '../../app.js';
import type { Inbox } from '../../broker/inbox.js';
import type { QoS } from '../../broker/qos.js';
import type { ControlServer } from '../../control/server.js';
import type { Revocations } from '../../control/revocations.js';
import type { EventDispatcher } from '../../events/dispatcher.js';
import type { WorkerRouting } from '../../routing/worker-routing.js';
import type { Consumer } from '../consumer.js';
import type { Heartbeat } from '../heartbeat.js';
import type { ResolvedWorkerOptions } from '../options.js';
import type { TaskInfo } from '../pool/messages.js';
import type { TaskPool } from '../pool/task-pool.js';
import type { Prefetch } from '../prefetch.js';
import type { RateLimiter } from '../rate-limit.js';
import type { RedisWatch } from '../redis-watch.js';
import type { RequestHandler } from '../request.js';

/**
 * What a worker's steps share, as Celery's bootsteps share their worker: each step keeps what
 * it makes here for the steps after it. A field marked `!` is set by the step named beside it
 * before any step that requires that step starts.
 */
export class WorkerContext {
  /** connection */
  app!: App;
  /** connection: says when the broker connection goes and comes back. */
  redisWatch: RedisWatch | null = null;
  /** connection: the task modules' paths, resolved. */
  modulePaths!: string[];
  /** pool */
  pool!: TaskPool;
  /** qos */
  qos!: QoS;
  /** events */
  events!: EventDispatcher;
  /** revocations */
  revocations!: Revocations;
  /** requests: where follow-ups go and how consumed queues are bound, by the task module's app. */
  routing!: WorkerRouting;
  /** requests */
  handler!: RequestHandler;
  /** requests: null with --without-rate-limits. */
  limiter: RateLimiter | null = null;
  heartbeat: Heartbeat | null = null;
  /** consumer */
  consumer!: Consumer;
  /** consumer */
  inbox!: Inbox;
  /** consumer: how many claims may be held at once. */
  prefetch!: Prefetch;
  control: ControlServer | null = null;

  /** The queues consumed now (add_consumer / cancel_consumer change them). */
  queues: string[];
  /** The tasks being handled now; a warm shutdown waits for them. */
  readonly inflight = new Set<Promise<void>>();
  /** consumer: starts or stops consuming queues (add_consumer / cancel_consumer). */
  changeQueues: (change: (queues: string[]) => string[]) => Promise<void> = async () => undefined;
  /** Told of every task moved into the ETA schedule (the maintenance step wakes up for it). */
  scheduled: (etaMs: number) => void = () => undefined;

  /** The worker is stopping: no queue change, no new wake-up. */
  stopping = false;
  /** A second signal: running tasks get no grace. */
  immediate = false;
  /** Ends the warm-shutdown wait early (a second signal). */
  cutGrace: (() => void) | null = null;
  /**
   * Who ends the worker: the orderly stop, or a second signal's stop that leaves the claims to
   * the visibility timeout. Whichever comes first; the other does nothing more.
   */
  end: 'orderly' | 'forced' | null = null;
  /**
   * The orderly stop found, before handing back the claims, that a forced stop had left them to
   * the visibility timeout: it stops nothing more, the forced stop ends the rest.
   */
  handBackSkipped = false;

  constructor(
    readonly options: ResolvedWorkerOptions,
    readonly log: Logger,
    /** Tasks the module registers, by name. */
    readonly tasks: Map<string, TaskInfo>,
    /** Emits one of the worker's events ('ready', 'shutdown-requested', 'stopped'). */
    readonly emit: (event: string) => void,
  ) {
    this.queues = [...options.queues];
  }

  /** Keeps a handled task in `inflight` until it ends, then lets the consumer claim again. */
  track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => {
      this.inflight.delete(p);
      this.consumer.nudge();
    });
  }
}
