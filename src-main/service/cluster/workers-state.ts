/**
 * Every worker the event stream tells of, Python's and Celeriac's, kept as Celery's
 * `events.state.State` keeps them: the last heartbeat's figures, online while a heartbeat came
 * within twice its frequency (HEARTBEAT_EXPIRE_WINDOW, 200 %) and no worker-offline since.
 */
import type { CeleryEvent } from '../../core/events/envelope.js';

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
}

/** Workers kept at most: a flood of made-up hostnames must not grow this without bound. */
const MAX_WORKERS = 10_000;

export class WorkersState {
  private readonly workers = new Map<string, ClusterWorker>();

  /** Takes the worker events among `events`; task events are someone else's. */
  apply(events: readonly CeleryEvent[], now = Date.now()): boolean {
    let changed = false;
    for (const e of events) {
      if (!e.type.startsWith('worker-') || typeof e.hostname !== 'string' || e.hostname === '' || e.hostname.length > 512) continue;
      let w = this.workers.get(e.hostname);
      if (!w) {
        if (this.workers.size >= MAX_WORKERS) continue;
        w = { hostname: e.hostname, software: null, version: null, system: null, pid: null, freq: 2, loadavg: null, active: null, processed: null, lastHeard: now, offline: false };
        this.workers.set(e.hostname, w);
      }
      w.lastHeard = now;
      w.offline = e.type === 'worker-offline';
      if (typeof e.sw_ident === 'string') w.software = e.sw_ident;
      if (typeof e.sw_ver === 'string') w.version = e.sw_ver;
      if (typeof e.sw_sys === 'string') w.system = e.sw_sys;
      if (typeof e.pid === 'number') w.pid = e.pid;
      if (typeof e.freq === 'number' && e.freq > 0) w.freq = e.freq;
      // A wake-up heartbeat (freq 5) carries no figures: the last ones stay.
      if (Array.isArray(e.loadavg)) w.loadavg = e.loadavg.filter((n): n is number => typeof n === 'number').slice(0, 3);
      if (typeof e.active === 'number') w.active = e.active;
      if (typeof e.processed === 'number') w.processed = e.processed;
      changed = true;
    }
    return changed;
  }

  /** Celery's Worker.alive. */
  static online(w: ClusterWorker, now = Date.now()): boolean {
    return !w.offline && now - w.lastHeard <= w.freq * 2 * 1000;
  }

  list(): ClusterWorker[] {
    return [...this.workers.values()];
  }
}
