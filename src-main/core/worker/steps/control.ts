import { parseRedisUrl } from '../../broker/connection.js';
import { ControlServer } from '../../control/server.js';
import { controlHandlers } from '../control-handlers.js';
import type { Bootstep } from '../bootsteps.js';
import type { WorkerContext } from './context.js';

/** Answers remote control (`celery inspect`, `celery control`, Flower) on the pidbox. Stops first. */
export const controlStep: Bootstep<WorkerContext> = {
  name: 'control',
  requires: ['requests', 'consumer', 'revocations'],
  async start(ctx) {
    const o = ctx.options;
    const app = ctx.app;
    const broker = parseRedisUrl(app.brokerUrl);
    ctx.control = new ControlServer(app.broker, () => app.open(app.brokerUrl), broker.db, o.name, controlHandlers({
      options: o,
      prefetch: () => ctx.prefetch.limit,
      tasks: () => [...ctx.tasks.keys()],
      handler: ctx.handler,
      revocations: ctx.revocations,
      startedAt: Date.now(),
      broker: { host: broker.host, port: broker.port, db: broker.db },
      shutdown: () => ctx.emit('shutdown-requested'),
      queues: () => ctx.queues,
      addQueue: (queue) => void ctx.changeQueues((qs) => (qs.includes(queue) ? qs : [...qs, queue])).catch(() => undefined),
      cancelQueue: (queue) => void ctx.changeQueues((qs) => qs.filter((q) => q !== queue)).catch(() => undefined),
      events: ctx.events,
      pool: ctx.pool,
      taskInfo: (name) => ctx.tasks.get(name),
      resetRateLimits: () => ctx.limiter?.reset(),
      modules: modulePathsOf(o.module),
      brokerUrl: app.brokerUrl,
      backendUrl: app.backendUrl,
    }), (err) => ctx.log.error(`[Control] ${(err as Error).message}`));
    await ctx.control.start();
  },
  stop(ctx) {
    ctx.control?.stop();
  },
};

function modulePathsOf(module: string | readonly string[]): string[] {
  return Array.isArray(module) ? [...module] : [module as string];
}
