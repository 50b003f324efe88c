import type { ControlHandler } from '../control/server.js';
import type { Revocations } from '../control/revocations.js';
import { packageVersion } from '../version.js';
import type { ResolvedWorkerOptions } from './options.js';
import type { RequestHandler } from './request.js';

export interface ControlContext {
  options: ResolvedWorkerOptions;
  /** The claim limit now (it follows the completion rate unless --prefetch fixed it). */
  prefetch: () => number;
  tasks: () => string[];
  handler: RequestHandler;
  revocations: Revocations;
  startedAt: number;
  broker: { host: string; port: number; db: number };
  /** `celery control shutdown`. */
  shutdown: () => void;
}

/** The remote-control commands a Celeriac worker answers, with Celery's reply shapes (§9.4). */
export function controlHandlers(c: ControlContext): Record<string, ControlHandler> {
  const revoke = (args: Record<string, unknown>, terminate: boolean): unknown => {
    const raw = args.task_id;
    const ids = (Array.isArray(raw) ? raw : [raw]).filter((id): id is string => typeof id === 'string');
    c.revocations.add(ids);
    if (terminate || args.terminate === true) c.handler.terminate(ids);
    return { ok: `tasks ${ids.join(', ')} flagged as revoked` };
  };
  return {
    ping: () => ({ ok: 'pong' }),
    registered: () => c.tasks().sort(),
    active: () => c.handler.activeRequests(),
    reserved: () => [],
    scheduled: () => [],
    revoked: () => c.revocations.list(),
    revoke: (args) => revoke(args, false),
    terminate: (args) => revoke(args, true),
    clock: () => ({ clock: 0 }),
    hello: () => ({ revoked: {}, clock: 0 }),
    query_task: () => ({}),
    active_queues: () =>
      c.options.queues.map((name) => ({ name, exchange: { name, type: 'direct' }, routing_key: name, durable: true, exclusive: false, auto_delete: false, no_ack: false })),
    stats: () => ({
      total: { ...c.handler.stats },
      pid: process.pid,
      uptime: Math.round((Date.now() - c.startedAt) / 1000),
      pool: { 'max-concurrency': c.options.concurrency, implementation: `celeriac:${c.options.pool}`, 'max-tasks-per-child': c.options.maxTasksPerChild ?? 'N/A' },
      broker: { hostname: c.broker.host, port: c.broker.port, virtual_host: String(c.broker.db), transport: 'redis' },
      prefetch_count: c.prefetch(),
      sw_ident: 'celeriac',
      sw_ver: packageVersion(),
    }),
    shutdown: () => {
      setImmediate(c.shutdown);
      return { ok: 'shutting down' };
    },
  };
}
