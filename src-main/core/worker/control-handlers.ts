import { arch, release, type as osType } from 'node:os';
import { parseRate } from './rate-limit.js';
import { redactUrl } from '../broker/connection.js';
import type { ControlHandler } from '../control/server.js';
import type { Revocations } from '../control/revocations.js';
import type { EventDispatcher } from '../events/dispatcher.js';
import { packageVersion } from '../version.js';
import type { ResolvedWorkerOptions } from './options.js';
import type { TaskInfo } from './pool/messages.js';
import type { TaskPool } from './pool/task-pool.js';
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
  /** The queues consumed now. */
  queues: () => readonly string[];
  /** Start or stop consuming a queue (the change happens just after the reply, as Celery's). */
  addQueue: (queue: string) => void;
  cancelQueue: (queue: string) => void;
  events: EventDispatcher;
  pool: TaskPool;
  /** A registered task's limits, changed in place by time_limit and rate_limit. */
  taskInfo: (name: string) => TaskInfo | undefined;
  /** Rebuilds the rate-limit buckets after a change (Celery's reset_rate_limits). */
  resetRateLimits: () => void;
  modules: string[];
  brokerUrl: string;
  backendUrl: string;
}

/** Python's str of an optional number argument: a number, or null. */
function num(v: unknown): number | null {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/** `task_id` / `ids` may be a string or a list (Celery's maybe_list). */
function idList(v: unknown): string[] {
  return (Array.isArray(v) ? v : [v]).filter((id): id is string => typeof id === 'string');
}

/**
 * The remote-control commands a Celeriac worker answers, with the reply shapes and texts of a
 * Python Celery 5.2 worker (Celery's worker/control.py), so `celery inspect`, `celery control` and Flower
 * drive it as they drive theirs. An unknown method gets kombu's `KeyError('<name>')`.
 */
export function controlHandlers(c: ControlContext): Record<string, ControlHandler> {
  const o = c.options;
  const revoke = (args: Record<string, unknown>, terminate: boolean): unknown => {
    const ids = idList(args.task_id);
    c.revocations.add(ids);
    if (terminate || args.terminate === true) {
      const hit = c.handler.terminate(ids);
      return { ok: hit.length > 0 ? `terminate: ${hit.join(', ')}` : 'terminate: tasks unknown' };
    }
    return { ok: `tasks ${ids.join(', ')} flagged as revoked` };
  };
  const active = () => c.handler.activeRequests();
  const resize = (n: number, ok: string): unknown => {
    try {
      c.pool.resize(n);
      return { ok };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };
  const conf = () => {
    // Its own settings under Celery's names, as `inspect conf` lists the non-default ones.
    const out: Record<string, unknown> = {
      broker_url: redactUrl(c.brokerUrl),
      result_backend: redactUrl(c.backendUrl),
      worker_concurrency: c.pool.size,
      worker_pool: o.pool,
      worker_send_task_events: c.events.taskEvents,
      broker_transport_options: { visibility_timeout: o.visibilityTimeout },
      include: c.modules,
    };
    if (o.maxTasksPerChild) out.worker_max_tasks_per_child = o.maxTasksPerChild;
    if (o.timeLimit) out.task_time_limit = o.timeLimit;
    if (o.softTimeLimit) out.task_soft_time_limit = o.softTimeLimit;
    if (o.resultExpires !== 86_400) out.result_expires = o.resultExpires;
    return out;
  };
  const handlers: Record<string, ControlHandler> = {
    ping: () => ({ ok: 'pong' }),
    // As Celery's: `name [rate_limit=10/m]` for a limited task.
    registered: () => c.tasks().map((name) => {
      const limit = c.taskInfo(name)?.rateLimit;
      return limit ? `${name} [rate_limit=${limit}]` : name;
    }).sort(),
    active,
    reserved: () => [],
    scheduled: () => [],
    revoked: () => c.revocations.list(),
    revoke: (args) => revoke(args, false),
    terminate: (args) => revoke(args, true),
    clock: () => ({ clock: c.events.clockValue }),
    hello: (args) => {
      if (args.from_node === o.name) return null;
      const until = Date.now() / 1000 + 3 * 3600; // kept 3 h (Revocations)
      return { revoked: Object.fromEntries(c.revocations.list().map((id) => [id, until])), clock: c.events.clockValue };
    },
    query_task: (args) => {
      const wanted = new Set(idList(args.ids ?? args.task_id));
      return Object.fromEntries(active().filter((r) => wanted.has(r.id)).map((r) => [r.id, ['active', r]]));
    },
    active_queues: () =>
      c.queues().map((name) => ({ name, exchange: { name, type: 'direct', arguments: null, durable: true, passive: false, auto_delete: false, delivery_mode: null, no_declare: false }, routing_key: name, queue_arguments: null, binding_arguments: null, consumer_arguments: null, durable: true, exclusive: false, auto_delete: false, no_ack: false, alias: null, bindings: [], no_declare: null, expires: null, message_ttl: null, max_length: null, max_length_bytes: null, max_priority: null })),
    stats: () => ({
      total: { ...c.handler.stats },
      pid: process.pid,
      uptime: Math.round((Date.now() - c.startedAt) / 1000),
      pool: { 'max-concurrency': c.pool.size, implementation: `celeriac:${o.pool}`, 'max-tasks-per-child': o.maxTasksPerChild ?? 'N/A', processes: [], timeouts: [o.softTimeLimit ?? 0, o.timeLimit ?? 0] },
      broker: { hostname: c.broker.host, port: c.broker.port, virtual_host: String(c.broker.db), transport: 'redis', transport_options: { visibility_timeout: o.visibilityTimeout } },
      clock: String(c.events.clockValue),
      prefetch_count: c.prefetch(),
      rusage: {},
      sw_ident: 'celeriac',
      sw_ver: packageVersion(),
    }),
    conf,
    report: () => ({
      ok: [
        '',
        `software -> celeriac:${packageVersion()} node:${process.versions.node.replace(/^v/, '')}`,
        `platform -> system:${osType()} arch:${arch()} kernel version:${release()}`,
        `loader   -> celeriac (task modules: ${c.modules.join(', ')})`,
        `settings -> transport:redis results:${redactUrl(c.backendUrl)}`,
        '',
        ...Object.entries(conf()).map(([k, v]) => `${k}: ${typeof v === 'string' ? `'${v}'` : JSON.stringify(v)}`),
        '',
      ].join('\n'),
    }),
    time_limit: (args) => {
      const info = typeof args.task_name === 'string' ? c.taskInfo(args.task_name) : undefined;
      if (!info) return { error: 'unknown task' };
      // As Celery: both are set, an omitted one to none.
      info.softTimeLimit = num(args.soft);
      info.timeLimit = num(args.hard);
      return { ok: 'time limits set successfully' };
    },
    rate_limit: (args) => {
      const limit = args.rate_limit === null || args.rate_limit === undefined ? '' : String(args.rate_limit);
      try {
        parseRate(limit);
      } catch (err) {
        const why = (err as Error).message;
        return { error: `Invalid rate limit string: ${why.startsWith('KeyError') ? why : `ValueError(${JSON.stringify(why)})`}` };
      }
      const info = typeof args.task_name === 'string' ? c.taskInfo(args.task_name) : undefined;
      if (!info) return { error: 'unknown task' };
      info.rateLimit = limit || null;
      c.resetRateLimits();
      return { ok: limit ? 'new rate limit set successfully' : 'rate limit disabled successfully' };
    },
    add_consumer: (args) => {
      const queue = String(args.queue ?? '');
      if (!queue) return { error: 'ValueError(\'a queue name is required\')' };
      c.addQueue(queue);
      return { ok: `add consumer ${queue}` };
    },
    cancel_consumer: (args) => {
      const queue = String(args.queue ?? '');
      c.cancelQueue(queue);
      return { ok: `no longer consuming from ${queue}` };
    },
    enable_events: () => {
      if (c.events.taskEvents) return { ok: 'task events already enabled' };
      c.events.taskEvents = true;
      return { ok: 'task events enabled' };
    },
    disable_events: () => {
      if (!c.events.taskEvents) return { ok: 'task events already disabled' };
      c.events.taskEvents = false;
      return { ok: 'task events disabled' };
    },
    heartbeat: () => {
      // Monitors cast this to wake workers up (Flower on connect): a heartbeat now, as Celery's
      // (freq 5, without the load figures).
      void c.events.sendWorkerEvent('worker-heartbeat', { freq: 5, sw_ident: 'celeriac', sw_ver: packageVersion(), sw_sys: osType() }).catch(() => undefined);
      return null;
    },
    pool_grow: (args) => resize(Math.max(1, num(args.n) ?? 1), 'pool will grow'),
    pool_shrink: (args) => resize(-Math.max(1, num(args.n) ?? 1), 'pool will shrink'),
    autoscale: () => ({ error: "ValueError('Autoscale not enabled')" }),
    pool_restart: () => ({ error: "ValueError('Pool restarts not enabled')" }),
    shutdown: () => {
      setImmediate(c.shutdown);
      return { ok: 'shutting down' };
    },
  };
  // Celery's aliases answer the same.
  for (const [alias, of] of [['dump_active', 'active'], ['dump_conf', 'conf'], ['dump_reserved', 'reserved'], ['dump_revoked', 'revoked'], ['dump_schedule', 'scheduled'], ['dump_tasks', 'registered']] as const) {
    handlers[alias] = handlers[of]!;
  }
  return handlers;
}
