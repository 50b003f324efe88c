import { parseRedisUrl } from '../../broker/connection.js';
import { EventDispatcher } from '../../events/dispatcher.js';
import type { Bootstep } from '../bootsteps.js';
import type { WorkerContext } from './context.js';

/**
 * Celery's event dispatcher (task and worker events), on the broker's db. It stops after the
 * heartbeat (whose worker-offline follows the task events buffered then) and before the
 * connection closes: task events sent while the pool stops still go out.
 */
export const eventsStep: Bootstep<WorkerContext> = {
  name: 'events',
  requires: ['connection'],
  start(ctx) {
    const o = ctx.options;
    ctx.events = new EventDispatcher(ctx.app.broker, parseRedisUrl(ctx.app.brokerUrl).db, o.name, o.events, {
      flushMs: o.taskEventFlushMs,
      bufferLimit: o.taskEventBufferLimit,
      log: ctx.log,
    });
  },
  async stop(ctx) {
    await ctx.events.close();
  },
};
