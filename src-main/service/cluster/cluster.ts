/**
 * The live picture of a Celery cluster on one Redis, as Flower builds it: every worker that
 * sends heartbeats (Python's and Celeriac's), from the event stream; a `heartbeat` cast when it
 * starts (workers answer with one at once) and an `enable_events` cast every 5 s, so workers
 * started without `-E` send task events too; and, every 10 s, what `inspect stats` and
 * `inspect active_queues` say of each (pool, concurrency, the queues it consumes).
 */
import type { App } from '../../core/app.js';
import { parseRedisUrl } from '../../core/broker/connection.js';
import type { CeleryEvent } from '../../core/events/envelope.js';
import { listWorkers, type WorkerInfo } from '../../core/worker/worker-list.js';
import { EventReceiver } from './event-receiver.js';
import { WorkersState } from './workers-state.js';

const ENABLE_EVENTS_EVERY_MS = 5000;
const INSPECT_EVERY_MS = 10_000;
/** Flower's inspect timeout. */
export const INSPECT_TIMEOUT_MS = 1000;

interface Inspected {
  queues: string[];
  pool: string | null;
  concurrency: number | null;
}

export class Cluster {
  readonly state = new WorkersState();
  private readonly receiver: EventReceiver;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inspected = new Map<string, Inspected>();

  /**
   * @param onEvents every event, as it comes
   * @param onGap events were lost before they reached us (the subscription dropped), why
   */
  constructor(
    private readonly app: App,
    private readonly onEvents: (events: CeleryEvent[]) => void = () => undefined,
    onGap: (why: string) => void = () => undefined,
  ) {
    this.receiver = new EventReceiver(() => app.open(app.brokerUrl), parseRedisUrl(app.brokerUrl).db, (events) => {
      this.state.apply(events);
      this.onEvents(events);
    });
    this.receiver.onGap = onGap;
  }

  async start(): Promise<void> {
    await this.receiver.start();
    // Casts: nobody waits for a reply. A failure (Redis away) is retried by the next tick.
    const cast = (method: string): void => void this.app.control.cast(method).catch(() => undefined);
    cast('heartbeat');
    cast('enable_events');
    this.timers.push(setInterval(() => cast('enable_events'), ENABLE_EVENTS_EVERY_MS));
    void this.refreshInspected();
    this.timers.push(setInterval(() => void this.refreshInspected(), INSPECT_EVERY_MS));
    for (const t of this.timers) t.unref();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.receiver.stop();
  }

  /** Event messages dropped and events cut on arrival (over a bound), by reason, since it started. */
  eventDrops(): Record<string, number> {
    return this.receiver.drops.totals();
  }

  /** The one queue a worker consumes, as `inspect active_queues` said last; null when several or not known. */
  onlyQueueOf(worker: string): string | null {
    const queues = this.inspected.get(worker)?.queues ?? [];
    return queues.length === 1 ? queues[0]! : null;
  }

  /** What `inspect stats` and `inspect active_queues` said of every worker that answered. */
  private async refreshInspected(): Promise<void> {
    try {
      const [stats, queues] = await Promise.all([
        this.app.control.broadcast('stats', {}, { timeout: INSPECT_TIMEOUT_MS }),
        this.app.control.broadcast('active_queues', {}, { timeout: INSPECT_TIMEOUT_MS }),
      ]);
      for (const name of new Set([...Object.keys(stats), ...Object.keys(queues)])) {
        const s = stats[name] as { pool?: { implementation?: unknown; 'max-concurrency'?: unknown } } | undefined;
        const q = queues[name];
        this.inspected.set(name, {
          queues: Array.isArray(q) ? q.map((x) => (x as { name?: unknown }).name).filter((n): n is string => typeof n === 'string') : this.inspected.get(name)?.queues ?? [],
          pool: typeof s?.pool?.implementation === 'string' ? shortPool(s.pool.implementation) : this.inspected.get(name)?.pool ?? null,
          concurrency: typeof s?.pool?.['max-concurrency'] === 'number' ? s.pool['max-concurrency'] : this.inspected.get(name)?.concurrency ?? null,
        });
      }
    } catch {
      // Redis away: the next round tries again.
    }
  }

  /**
   * Every worker: from the event stream (any Celery worker), with what Celeriac workers write
   * in `celeriac:workers` and what inspect said; newest heartbeat first.
   */
  async workers(now = Date.now()): Promise<WorkerInfo[]> {
    const own = new Map((await listWorkers(this.app.broker, now)).map((w) => [w.name, w]));
    const out = new Map<string, WorkerInfo>();
    for (const w of this.state.list()) {
      const mine = own.get(w.hostname);
      const seen = this.inspected.get(w.hostname);
      out.set(w.hostname, {
        name: w.hostname,
        online: WorkersState.online(w, now),
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
    for (const [name, w] of own) if (!out.has(name)) out.set(name, w);
    return [...out.values()].sort((a, b) => b.lastHeartbeat - a.lastHeartbeat);
  }
}

/** `celery.concurrency.prefork:TaskPool` -> `prefork`; `celeriac:process` -> `process`. */
function shortPool(implementation: string): string {
  if (implementation.startsWith('celeriac:')) return implementation.slice('celeriac:'.length);
  return /concurrency\.(\w+)/.exec(implementation)?.[1] ?? implementation;
}
