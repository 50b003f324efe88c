/**
 * The live picture of a Celery cluster on one Redis, as Flower builds it: every worker that
 * sends heartbeats (Python's and Celeriac's), from the event stream; a `heartbeat` cast when it
 * starts (workers answer with one at once) and an `enable_events` cast every 5 s, so workers
 * started without `-E` send task events too; and what `inspect stats` and `inspect
 * active_queues` say of each (pool, concurrency, the queues it consumes). Those are asked in
 * rounds, of the workers the inspect plan names only (new or changed ones, a bounded number a
 * round, addressed by `destination`), not of every worker every few seconds: with hundreds of
 * workers each broadcast had every one of them answer.
 */
import type { App } from '../../core/app.js';
import { parseRedisUrl } from '../../core/broker/connection.js';
import type { CeleryEvent } from '../../core/events/envelope.js';
import type { WorkerInfo } from '../../core/worker/worker-list.js';
import { WORKERS_FORGOTTEN } from './event-drops-note.js';
import { EventReceiver } from './event-receiver.js';
import { InspectPlan, type InspectedFacts, type InspectPlanOptions, type InspectRound, type PlannedWorker } from './inspect-plan.js';
import { OwnWorkers } from './own-workers.js';
import { WorkersState, type ClusterWorker } from './workers-state.js';

const ENABLE_EVENTS_EVERY_MS = 5000;
/** The controls that change what inspect said of a worker (its pool's size, its queues). */
const RESHAPING: ReadonlySet<string> = new Set(['add_consumer', 'cancel_consumer', 'pool_grow', 'pool_shrink', 'autoscale']);
/** How often the inspect plan is looked at; a round with nobody to ask sends nothing. */
const INSPECT_ROUND_MS = 2000;
/** Workers count as shown for this long after a view last listed them (the Workers view polls every 2 s). */
const SHOWN_FOR_MS = 30_000;
/** Flower's inspect timeout. */
export const INSPECT_TIMEOUT_MS = 1000;

export interface ClusterOptions {
  /** The inspect rounds' bounds. */
  inspect?: InspectPlanOptions;
  /** How often a round is planned, ms. @default 2000 */
  roundMs?: number;
}

export class Cluster {
  readonly state = new WorkersState();
  private readonly receiver: EventReceiver;
  private readonly timers: NodeJS.Timeout[] = [];
  private roundTimer: NodeJS.Timeout | null = null;
  private readonly plan: InspectPlan;
  private readonly own: OwnWorkers;
  private readonly roundMs: number;
  private shownAt = -Infinity;
  private stopped = false;

  /**
   * @param onEvents every event, as it comes
   * @param onGap events were lost before they reached us (the subscription dropped), why
   */
  constructor(
    private readonly app: App,
    private readonly onEvents: (events: CeleryEvent[]) => void = () => undefined,
    onGap: (why: string) => void = () => undefined,
    options: ClusterOptions = {},
  ) {
    this.receiver = new EventReceiver(() => app.open(app.brokerUrl), parseRedisUrl(app.brokerUrl).db, (events) => {
      this.state.apply(events);
      this.onEvents(events);
    }, undefined, { url: app.brokerUrl, redisOptions: app.redisOptions ?? {} });
    this.receiver.onGap = onGap;
    this.plan = new InspectPlan(options.inspect);
    this.own = new OwnWorkers(app.broker);
    this.roundMs = options.roundMs ?? INSPECT_ROUND_MS;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.receiver.start();
    // Casts: nobody waits for a reply. A failure (Redis away) is retried by the next tick.
    const cast = (method: string): void => void this.app.control.cast(method).catch(() => undefined);
    cast('heartbeat');
    cast('enable_events');
    this.timers.push(setInterval(() => cast('enable_events'), ENABLE_EVENTS_EVERY_MS));
    for (const t of this.timers) t.unref();
    this.scheduleRound();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    if (this.roundTimer) clearTimeout(this.roundTimer);
    this.roundTimer = null;
    this.receiver.stop();
  }

  /** Event messages dropped and events cut on arrival (over a bound), and workers forgotten, by reason, since it started. */
  eventDrops(): Record<string, number> {
    const totals = this.receiver.drops.totals();
    return this.state.forgotten > 0 ? { ...totals, [WORKERS_FORGOTTEN]: this.state.forgotten } : totals;
  }

  /** A view shows the workers now: their pool and queues are kept fresh while it does. */
  noteShown(now = Date.now()): void {
    this.shownAt = now;
  }

  /**
   * Told of a control sent to these workers: one that changes what inspect said of them (their
   * pool's size, their queues) has them asked again at the next round, whoever sent it.
   */
  controlled(workers: readonly string[], command: string): void {
    if (RESHAPING.has(command)) for (const w of workers) this.plan.reask(w);
  }

  /** The one queue a worker consumes, as it wrote itself or `inspect active_queues` said; null when several or not known. */
  onlyQueueOf(worker: string): string | null {
    const own = this.own.latest().get(worker)?.queues;
    const queues = own?.length ? own : this.plan.facts(worker)?.queues ?? [];
    return queues.length === 1 ? queues[0]! : null;
  }

  /** The next round, once this one is done (a round waits up to INSPECT_TIMEOUT_MS for replies). */
  private scheduleRound(): void {
    if (this.stopped) return;
    this.roundTimer = setTimeout(() => {
      this.roundTimer = null;
      void this.inspectRound().finally(() => this.scheduleRound());
    }, this.roundMs);
    this.roundTimer.unref();
  }

  /** One round: the plan names whom to ask what; each command goes to those workers only. */
  private async inspectRound(now = Date.now()): Promise<void> {
    try {
      const workers = this.state.list();
      // Celeriac workers' own entries are read only when one is heard of that they do not hold
      // yet: watching a Python shop reads nothing for the rounds.
      let own = this.own.latest();
      if (workers.some((w) => w.software === 'celeriac' && !own.has(w.hostname))) own = await this.own.get(now);
      const round = this.plan.round(this.planned(workers, own, now), now - this.shownAt < SHOWN_FOR_MS, now);
      if (round.stats.length === 0 && round.activeQueues.length === 0) return;
      const ask = (method: string, names: string[]): Promise<Record<string, unknown>> =>
        names.length === 0 ? Promise.resolve({}) : this.app.control.broadcast(method, {}, { destination: names, timeout: INSPECT_TIMEOUT_MS, limit: names.length });
      const [stats, queues] = await Promise.all([ask('stats', round.stats), ask('active_queues', round.activeQueues)]);
      this.plan.answered(round, readStats(round, stats), readQueues(round, queues), Date.now());
    } catch {
      // Redis away: the next round tries again.
    }
  }

  /** The table's workers as the plan looks at them. */
  private *planned(workers: readonly ClusterWorker[], own: ReadonlyMap<string, WorkerInfo>, now: number): Iterable<PlannedWorker> {
    for (const w of workers) {
      const mine = own.get(w.hostname);
      yield {
        name: w.hostname, online: WorkersState.online(w, now), pid: w.pid, software: w.software, version: w.version, freq: w.freq,
        selfReported: mine !== undefined && mine.pool !== null && mine.concurrency !== null && mine.queues.length > 0,
      };
    }
  }

  /**
   * Every worker: from the event stream (any Celery worker), with what Celeriac workers write
   * in `celeriac:workers` and what inspect said; newest heartbeat first.
   */
  async workers(now = Date.now()): Promise<WorkerInfo[]> {
    const own = await this.own.get(now);
    const out: WorkerInfo[] = [];
    const listed = new Set<string>();
    for (const w of this.state.list()) {
      const mine = own.get(w.hostname);
      const seen = this.plan.facts(w.hostname);
      listed.add(w.hostname);
      out.push({
        name: w.hostname,
        online: WorkersState.online(w, now),
        offlineReason: WorkersState.offlineReason(w, now),
        lastHeartbeat: w.lastHeard,
        pool: mine?.pool ?? seen?.pool ?? null,
        concurrency: mine?.concurrency ?? seen?.concurrency ?? null,
        queues: mine?.queues.length ? mine.queues : seen?.queues ?? [],
        active: w.active ?? mine?.active ?? 0,
        processed: w.processed ?? mine?.processed ?? 0,
        software: w.software,
        version: w.version,
        pid: w.pid,
        loadavg: w.loadavg,
        freq: w.freq,
      });
    }
    // A Celeriac worker heard of before this control room listened.
    for (const [name, w] of own) if (!listed.has(name)) out.push(w);
    return out.sort((a, b) => b.lastHeartbeat - a.lastHeartbeat);
  }
}

/** The pool and concurrency in `inspect stats` replies, of the workers asked only. */
function readStats(round: InspectRound, replies: Record<string, unknown>): Record<string, Partial<InspectedFacts>> {
  const out: Record<string, Partial<InspectedFacts>> = {};
  for (const name of round.stats) {
    const s = replies[name] as { pool?: { implementation?: unknown; 'max-concurrency'?: unknown } } | undefined;
    if (typeof s !== 'object' || s === null) continue;
    const facts: Partial<InspectedFacts> = {};
    if (typeof s.pool?.implementation === 'string') facts.pool = shortPool(s.pool.implementation).slice(0, 200);
    if (typeof s.pool?.['max-concurrency'] === 'number') facts.concurrency = s.pool['max-concurrency'];
    out[name] = facts;
  }
  return out;
}

/** Queue names at most kept of one worker (a reply may list any number). */
const MAX_QUEUES_PER_WORKER = 1000;

/** The queue names in `inspect active_queues` replies, of the workers asked only. */
function readQueues(round: InspectRound, replies: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const name of round.activeQueues) {
    const q = replies[name];
    if (!Array.isArray(q)) continue;
    out[name] = q.slice(0, MAX_QUEUES_PER_WORKER).map((x) => (x as { name?: unknown } | null)?.name).filter((n): n is string => typeof n === 'string' && n.length <= 512);
  }
  return out;
}

/** `celery.concurrency.prefork:TaskPool` -> `prefork`; `celeriac:process` -> `process`. */
function shortPool(implementation: string): string {
  if (implementation.startsWith('celeriac:')) return implementation.slice('celeriac:'.length);
  return /concurrency\.(\w+)/.exec(implementation)?.[1] ?? implementation;
}
