/**
 * Which workers the room asks `inspect stats` and `inspect active_queues`, and when: what a
 * broadcast to every worker every few seconds would ask again and again, asked once per
 * worker and again only when that worker changed. A worker whose pool or queues are not known
 * is asked at once: a new one, or one whose heartbeat says it is another process now (pid,
 * software or version changed), whose queues the history needs to label its tasks. One that
 * came back online or beats at another frequency is asked again only while something shows
 * workers (the Workers view), as are facts older than `reaskShownMs` then. A worker the room
 * knows from its own entry (pool, concurrency, queues) is never asked. Each round addresses at
 * most `fanOut` workers (the rest wait for later rounds, the never-answered first); a worker
 * that does not answer waits longer each time before it is asked again.
 *
 * It tracks only the workers the caller lists (the cluster's bounded table): one that leaves
 * the table is forgotten here at the next round.
 */

/** What inspect told of a worker. Null: not said yet. */
export interface InspectedFacts {
  pool: string | null;
  concurrency: number | null;
  queues: string[] | null;
}

/** A worker as the plan looks at it each round. */
export interface PlannedWorker {
  name: string;
  online: boolean;
  pid: number | null;
  software: string | null;
  version: string | null;
  freq: number;
  /** Its pool, concurrency and queues are known without asking (a Celeriac worker's own entry). */
  selfReported: boolean;
}

/** One round's requests: who is asked `stats`, who `active_queues`. Empty lists: not sent. */
export interface InspectRound {
  stats: string[];
  activeQueues: string[];
}

export interface InspectPlanOptions {
  /** Workers addressed at most in one round. @default 32 */
  fanOut?: number;
  /** First wait before asking a silent worker again, ms (doubled at each miss). @default 4000 */
  retryMs?: number;
  /** Longest wait before asking a silent worker again, ms. @default 300000 */
  maxRetryMs?: number;
  /** While workers are shown, facts older than this are asked again, ms. @default 300000 */
  reaskShownMs?: number;
}

export const DEFAULT_INSPECT_PLAN_OPTIONS: Required<InspectPlanOptions> = { fanOut: 32, retryMs: 4000, maxRetryMs: 300_000, reaskShownMs: 300_000 };

interface Entry {
  facts: InspectedFacts;
  /** pid, software and version when last looked at: a change means another process. */
  process: string;
  freq: number;
  online: boolean;
  /** Another process since inspect last answered: what it said may be wrong, ask at once. */
  restarted: boolean;
  /** Back online or another frequency since inspect last answered: ask again while shown. */
  changed: boolean;
  /** When inspect last answered all we asked; -Infinity: never. */
  answeredAt: number;
  /** Not asked before this (a silent worker's wait). */
  notBefore: number;
  misses: number;
}

const processOf = (w: PlannedWorker): string => `${w.pid}|${w.software}|${w.version}`;
const complete = (f: InspectedFacts): boolean => f.pool !== null && f.concurrency !== null && f.queues !== null;

export class InspectPlan {
  private readonly entries = new Map<string, Entry>();
  private readonly options: Required<InspectPlanOptions>;

  constructor(options: InspectPlanOptions = {}) {
    this.options = { ...DEFAULT_INSPECT_PLAN_OPTIONS, ...options };
  }

  /** What inspect said of a worker, or undefined when nothing yet. */
  facts(name: string): InspectedFacts | undefined {
    return this.entries.get(name)?.facts;
  }

  /** Workers tracked now. */
  get size(): number {
    return this.entries.size;
  }

  /** Marks a worker to be asked again (a control that changes its pool or queues was sent). */
  reask(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    e.restarted = true;
    e.notBefore = -Infinity;
  }

  /**
   * Looks at the cluster's workers now and says whom to ask.
   * @param workers every worker of the cluster's table (the plan forgets the others)
   * @param shown something shows workers now (their facts are wanted fresh)
   */
  round(workers: Iterable<PlannedWorker>, shown: boolean, now: number): InspectRound {
    const listed = new Set<string>();
    const candidates: Array<[name: string, entry: Entry]> = [];
    for (const w of workers) {
      listed.add(w.name);
      const e = this.look(w);
      if (!w.online || w.selfReported || now < e.notBefore) continue;
      const missing = e.restarted || !complete(e.facts);
      const stale = shown && (e.changed || now - e.answeredAt >= this.options.reaskShownMs);
      if (missing || stale) candidates.push([w.name, e]);
    }
    for (const name of this.entries.keys()) if (!listed.has(name)) this.entries.delete(name);
    // The never-answered first, then the longest unanswered.
    candidates.sort(([, a], [, b]) => (a.answeredAt === b.answeredAt ? 0 : a.answeredAt < b.answeredAt ? -1 : 1));
    const stats: string[] = [];
    const activeQueues: string[] = [];
    for (const [name, e] of candidates.slice(0, this.options.fanOut)) {
      // A known worker that changed is asked both; a partly known one only what is missing.
      const all = e.restarted || e.changed || complete(e.facts);
      if (all || e.facts.pool === null || e.facts.concurrency === null) stats.push(name);
      if (all || e.facts.queues === null) activeQueues.push(name);
    }
    return { stats, activeQueues };
  }

  /**
   * Takes a round's replies: a worker that answered all it was asked is settled until it
   * changes; one that did not waits before it is asked again.
   */
  answered(round: InspectRound, stats: Record<string, Partial<InspectedFacts>>, queues: Record<string, string[]>, now: number): void {
    const asked = new Set([...round.stats, ...round.activeQueues]);
    for (const name of asked) {
      const e = this.entries.get(name);
      if (!e) continue;
      const s = stats[name];
      const q = queues[name];
      if (s) {
        if (s.pool !== undefined) e.facts.pool = s.pool;
        if (s.concurrency !== undefined) e.facts.concurrency = s.concurrency;
      }
      if (q) e.facts.queues = q;
      // A reply without the pool or the queues counts as none: asked again later, not every round.
      const all = (!round.stats.includes(name) || s !== undefined) && (!round.activeQueues.includes(name) || q !== undefined) && complete(e.facts);
      if (all) {
        e.restarted = false;
        e.changed = false;
        e.answeredAt = now;
        e.misses = 0;
        e.notBefore = -Infinity;
      } else {
        e.misses += 1;
        e.notBefore = now + Math.min(this.options.maxRetryMs, this.options.retryMs * 2 ** (e.misses - 1));
      }
    }
  }

  /** The worker's entry, created or marked changed by what its heartbeat says now. */
  private look(w: PlannedWorker): Entry {
    const process = processOf(w);
    let e = this.entries.get(w.name);
    if (!e) {
      e = { facts: { pool: null, concurrency: null, queues: null }, process, freq: w.freq, online: w.online, restarted: false, changed: false, answeredAt: -Infinity, notBefore: -Infinity, misses: 0 };
      this.entries.set(w.name, e);
      return e;
    }
    const restarted = e.process !== process;
    if (restarted || e.freq !== w.freq || (w.online && !e.online)) {
      if (restarted) e.restarted = true;
      else e.changed = true;
      e.notBefore = -Infinity;
      e.misses = 0;
    }
    e.process = process;
    e.freq = w.freq;
    e.online = w.online;
    return e;
  }
}
