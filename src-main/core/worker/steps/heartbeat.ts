import { Heartbeat } from '../heartbeat.js';
import type { Bootstep } from '../bootsteps.js';
import type { WorkerContext } from './context.js';

/**
 * worker-online, a heartbeat every 2 s, worker-offline. It starts before the steps that take and
 * run tasks so it stops after them: the worker beats through its warm shutdown, until the last
 * claim is handed back, and monitors do not call it offline while it finishes its tasks.
 */
export const heartbeatStep: Bootstep<WorkerContext> = {
  name: 'heartbeat',
  requires: ['events', 'pool'],
  async start(ctx) {
    ctx.heartbeat = new Heartbeat(ctx.app.broker, ctx.events, () => ({
      // No request is handled before the first beat: the requests step starts after this one.
      active: ctx.handler?.held.size ?? 0,
      processed: ctx.handler?.stats.processed ?? 0,
      info: { pool: ctx.options.pool, concurrency: ctx.pool.size, queues: ctx.queues, events: ctx.events.taskEvents },
    }));
    await ctx.heartbeat.start();
  },
  async stop(ctx) {
    // worker-offline goes out after the task events still buffered (its send flushes them first).
    await ctx.heartbeat?.stop();
  },
};
