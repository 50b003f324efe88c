import { createApp } from '../../app.js';
import { connectOrExplain } from '../../broker/connection.js';
import { loadApp, resolveTaskModule } from '../loader.js';
import { RedisWatch } from '../redis-watch.js';
import type { Bootstep } from '../bootsteps.js';
import type { WorkerContext } from './context.js';

/** Seconds between attempts to reach Redis at start-up (with connectRetries). */
const CONNECT_RETRY_MS = 2000;

/**
 * The app the worker runs on, configured as its task module's app says, and its broker
 * connection (retried as connectRetries allows). Closed last.
 */
export const connectionStep: Bootstep<WorkerContext> = {
  name: 'connection',
  async start(ctx) {
    const o = ctx.options;
    ctx.modulePaths = (Array.isArray(o.module) ? o.module : [o.module]).map((m) => resolveTaskModule(m));
    // As Celery's worker reads its app's settings: the task module's app says how tasks and
    // results are written and read, and where results go when it names a backend of its own.
    const [moduleApp] = await Promise.all(ctx.modulePaths.map((m) => loadApp(m)));
    const ownBackend = moduleApp && moduleApp.backendUrl !== moduleApp.brokerUrl ? moduleApp.backendUrl : undefined;
    // Celery's worker keeps results as long as its app's result_expires says.
    if (!o.resultExpiresGiven && moduleApp?.resultExpires !== undefined) o.resultExpires = moduleApp.resultExpires ?? 0;
    ctx.app = createApp({ broker: o.broker, backend: o.backend ?? ownBackend, resultExpires: o.resultExpires, redisOptions: o.redisOptions, ...moduleApp?.wireOptions });
    for (let attempt = 1; ; attempt++) {
      try {
        await connectOrExplain(ctx.app.broker, ctx.app.brokerUrl);
        break;
      } catch (err) {
        const of = o.connectRetries ?? 0;
        if (attempt > of) throw err;
        o.onConnectRetry?.(attempt, of, err as Error);
        await new Promise((r) => setTimeout(r, CONNECT_RETRY_MS));
      }
    }
    ctx.redisWatch = new RedisWatch(ctx.app.broker, ctx.log, o.visibilityTimeout, () => ctx.app.reconnect());
  },
  async stop(ctx) {
    if (ctx.end === 'forced') return; // a second signal's stop closed them
    // From here the orderly stop ends the worker: a second signal's stop coming later does nothing.
    ctx.end = 'orderly';
    ctx.redisWatch?.stop();
    await ctx.app.close();
  },
};
