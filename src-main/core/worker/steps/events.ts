import { parseRedisUrl } from '../../broker/connection.js';
import { EventDispatcher } from '../../events/dispatcher.js';
import type { Bootstep } from '../bootsteps.js';
import type { WorkerContext } from './context.js';

/** Celery's event dispatcher (task and worker events), on the broker's db. */
export const eventsStep: Bootstep<WorkerContext> = {
  name: 'events',
  requires: ['connection'],
  start(ctx) {
    ctx.events = new EventDispatcher(ctx.app.broker, parseRedisUrl(ctx.app.brokerUrl).db, ctx.options.name, ctx.options.events);
  },
};
