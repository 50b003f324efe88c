/**
 * Celeriac's workers as a reader sees them: the entries their heartbeats keep in
 * `celeriac:workers` (heartbeat.ts writes them). Python workers are not here: they are known
 * from the event stream.
 */
import type { Redis } from 'ioredis';
import { WORKERS, WORKERS_INFO } from '../keys.js';
import { HEARTBEAT_FREQ } from './heartbeat.js';

/** A worker and what it last said of itself. */
export interface WorkerInfo {
  name: string;
  /** Heard from within two heartbeats (Celery's rule for online). */
  online: boolean;
  /** unix ms */
  lastHeartbeat: number;
  pool: string | null;
  concurrency: number | null;
  queues: string[];
  active: number;
  processed: number;
  /** From its heartbeats (the event stream): `py-celery` or `celeriac`, and the version. */
  software?: string | null;
  version?: string | null;
  pid?: number | null;
  loadavg?: number[] | null;
  /** Its heartbeat interval, seconds. */
  freq?: number;
  /**
   * Why it is offline, absent while online: it said it stopped (`shutdown`: its
   * worker-offline), or it went silent (`no-heartbeat`: killed, its host down or cut off from
   * Redis; since lastHeartbeat).
   */
  offlineReason?: OfflineReason;
}

/** Why a worker is offline (see WorkerInfo.offlineReason). */
export type OfflineReason = 'shutdown' | 'no-heartbeat';

/**
 * Celeriac workers that sent a heartbeat recently, newest first.
 * @param now unix ms, to tell online from offline
 * @param limit the newest this many at most (a worker killed before it could remove its entry leaves it behind)
 */
export async function listWorkers(redis: Redis, now = Date.now(), limit = Infinity): Promise<WorkerInfo[]> {
  if (limit <= 0) return [];
  const entries = await redis.zrevrange(WORKERS, 0, Number.isFinite(limit) ? Math.max(0, limit - 1) : -1, 'WITHSCORES');
  const names = entries.filter((_, i) => i % 2 === 0);
  if (names.length === 0) return [];
  const infos = await redis.hmget(WORKERS_INFO, ...names);
  return names.map((name, i) => {
    const last = Number(entries[i * 2 + 1]);
    const info = parse(infos[i] ?? null);
    const online = now - last <= 2 * HEARTBEAT_FREQ * 1000;
    return {
      name,
      online,
      // A worker that stops removes its entry: one still here and stale went silent.
      ...(online ? {} : { offlineReason: 'no-heartbeat' as const }),
      lastHeartbeat: last,
      pool: typeof info.pool === 'string' ? info.pool : null,
      concurrency: typeof info.concurrency === 'number' ? info.concurrency : null,
      queues: Array.isArray(info.queues) ? (info.queues as string[]) : [],
      active: Number(info.active ?? 0),
      processed: Number(info.processed ?? 0),
    };
  });
}

function parse(json: string | null): Record<string, unknown> {
  try {
    return json ? (JSON.parse(json) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
