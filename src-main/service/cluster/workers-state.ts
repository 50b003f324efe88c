/**
 * Every worker the event stream tells of, Python's and Celeriac's, kept as Celery's
 * `events.state.State` keeps them: the last heartbeat's figures, online while a heartbeat came
 * within twice its frequency (HEARTBEAT_EXPIRE_WINDOW, 200 %) and no worker-offline since.
 *
 * At most `max_workers_in_memory` of them, as Celery bounds its State: any producer can publish
 * heartbeats under made-up hostnames, so a full table makes room for a new one by evicting the
 * offline first, then those heard from only once (a real worker beats every few seconds), then
 * the longest silent; a real worker is never kept out for good.
 */
import type { CeleryEvent } from '../../core/events/envelope.js';
import type { OfflineReason } from '../../core/worker/worker-list.js';

export interface ClusterWorker {
  hostname: string;
  /** `py-celery`, `celeriac`, … (the heartbeat's sw_ident). */
  software: string | null;
  version: string | null;
  system: string | null;
  pid: number | null;
  /** Heartbeat interval, seconds. */
  freq: number;
  loadavg: number[] | null;
  active: number | null;
  processed: number | null;
  /** When the last worker event arrived here (unix ms; not the sender's clock). */
  lastHeard: number;
  /** A worker-offline came after the last heartbeat. */
  offline: boolean;
  /** Worker events heard from it (at most 2: once, or more). */
  beats: number;
}

/** Celery's `max_workers_in_memory` default. */
export const MAX_WORKERS_IN_MEMORY = 5000;
/**
 * Heartbeat frequency taken at most, seconds: a heartbeat claiming an hour's frequency would
 * otherwise stay online, and never be the first evicted, for two hours.
 */
const MAX_FREQ_S = 300;
/** The table is swept for offline workers at most this often when full (a sweep walks all of it). */
const SWEEP_EVERY_MS = 1000;

export class WorkersState {
  /** By hostname, least recently heard first (a worker heard is moved to the end). */
  private readonly workers = new Map<string, ClusterWorker>();
  private lastSweep = -Infinity;
  /** Workers evicted to make room for new ones, since it started. */
  forgotten = 0;

  /** @param maxWorkers workers kept at most (Celery's `max_workers_in_memory`) */
  constructor(private readonly maxWorkers = MAX_WORKERS_IN_MEMORY) {}

  /** Takes the worker events among `events`; task events are someone else's. */
  apply(events: readonly CeleryEvent[], now = Date.now()): boolean {
    let changed = false;
    for (const e of events) {
      if (!e.type.startsWith('worker-') || typeof e.hostname !== 'string' || e.hostname === '' || e.hostname.length > 512) continue;
      let w = this.workers.get(e.hostname);
      if (w) {
        this.workers.delete(e.hostname);
        w.beats = 2;
      } else {
        if (this.workers.size >= this.maxWorkers) {
          const before = this.workers.size;
          this.evict(now);
          this.forgotten += before - this.workers.size;
        }
        w = { hostname: e.hostname, software: null, version: null, system: null, pid: null, freq: 2, loadavg: null, active: null, processed: null, lastHeard: now, offline: false, beats: 1 };
      }
      this.workers.set(e.hostname, w);
      w.lastHeard = now;
      w.offline = e.type === 'worker-offline';
      if (typeof e.sw_ident === 'string') w.software = e.sw_ident;
      if (typeof e.sw_ver === 'string') w.version = e.sw_ver;
      if (typeof e.sw_sys === 'string') w.system = e.sw_sys;
      if (typeof e.pid === 'number') w.pid = e.pid;
      if (typeof e.freq === 'number' && e.freq > 0) w.freq = Math.min(e.freq, MAX_FREQ_S);
      // A wake-up heartbeat (freq 5) carries no figures: the last ones stay.
      if (Array.isArray(e.loadavg)) w.loadavg = e.loadavg.filter((n): n is number => typeof n === 'number').slice(0, 3);
      if (typeof e.active === 'number') w.active = e.active;
      if (typeof e.processed === 'number') w.processed = e.processed;
      changed = true;
    }
    return changed;
  }

  /**
   * Makes room for one: the offline workers go (swept at most every SWEEP_EVERY_MS); else the
   * longest silent of those heard from once; else the longest silent.
   */
  private evict(now: number): void {
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      for (const [name, w] of this.workers) if (!WorkersState.online(w, now)) this.workers.delete(name);
      if (this.workers.size < this.maxWorkers) return;
    }
    for (const [name, w] of this.workers) {
      if (w.beats <= 1) {
        this.workers.delete(name);
        return;
      }
    }
    this.workers.delete(this.workers.keys().next().value!);
  }

  /** Celery's Worker.alive. */
  static online(w: ClusterWorker, now = Date.now()): boolean {
    return !w.offline && now - w.lastHeard <= w.freq * 2 * 1000;
  }

  /** Why a worker is offline: it said so (worker-offline), or its heartbeats stopped; undefined while online. */
  static offlineReason(w: ClusterWorker, now = Date.now()): OfflineReason | undefined {
    if (w.offline) return 'shutdown';
    return WorkersState.online(w, now) ? undefined : 'no-heartbeat';
  }

  list(): ClusterWorker[] {
    return [...this.workers.values()];
  }
}
