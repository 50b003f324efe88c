import { parseRedisUrl } from '../../broker/connection.js';
import { Publisher } from '../../broker/publisher.js';
import { AfterTask } from '../../canvas/after-task.js';
import { workerRouting } from '../../routing/worker-routing.js';
import { loadApp } from '../loader.js';
import { RateLimiter } from '../rate-limit.js';
import { RequestHandler } from '../request.js';
import type { Bootstep } from '../bootsteps.js';
import type { WorkerContext } from './context.js';

/**
 * What happens to each message claimed: the request handler with its publisher, canvas
 * follow-ups and rate limits. Stopping, it lets running tasks finish for up to shutdownGrace
 * seconds (none after a second signal), then hands every claim still held back to its queue.
 */
export const requestsStep: Bootstep<WorkerContext> = {
  name: 'requests',
  requires: ['qos', 'events', 'revocations', 'pool'],
  async start(ctx) {
    const o = ctx.options;
    const app = ctx.app;
    // Follow-ups and retries go where the task module's app routes them, not to Celeriac's defaults.
    const routing = (ctx.routing = workerRouting(await Promise.all(ctx.modulePaths.map((m) => loadApp(m)))));
    const publisher = new Publisher(app.broker, null, { db: parseRedisUrl(app.brokerUrl).db, exchangeTypeOf: routing.exchangeTypeOf });
    const backend = app.backend;
    // A worker continuing a canvas sends each follow-up once per task id (a redelivery sends none again).
    const afterTask = new AfterTask({
      identity: { origin: o.name, replyTo: app.identity.replyTo },
      route: routing.route,
      // Follow-ups are written in this app's task serializer and compression, as Celery's worker does.
      publish: async (msg) => void (await publisher.publishOnce(app.withWireFormat(msg))),
      setChordSize: (groupId, size) => backend.setChordSize(groupId, size),
    }, backend);
    const limiter = o.disableRateLimits ? null : new RateLimiter((task) => ctx.tasks.get(task)?.rateLimit ?? null);
    ctx.limiter = limiter;
    ctx.handler = new RequestHandler({
      limiter,
      qos: ctx.qos,
      records: app.records,
      backend,
      publisher,
      afterTask,
      pool: ctx.pool,
      tasks: ctx.tasks,
      options: o,
      log: ctx.log,
      sameRedis: app.backendUrl === app.brokerUrl,
      accept: app.accept,
      events: ctx.events,
      onScheduled: (eta) => ctx.scheduled(eta),
      revocations: ctx.revocations,
    });
  },
  async stop(ctx) {
    // Messages waiting for a rate limit are not running: they go back at once, not after the grace.
    ctx.handler.releaseWaiting();
    if (!ctx.immediate && ctx.inflight.size > 0) await graceForRunningTasks(ctx);
    ctx.handler.abandon();
    if (ctx.end === 'forced') {
      ctx.handBackSkipped = true; // a second signal left the claims to the visibility timeout
      return;
    }
    await handBackClaims(ctx);
  },
};

/** Waits until the running tasks end, shutdownGrace seconds pass, or a second signal comes. */
async function graceForRunningTasks(ctx: WorkerContext): Promise<void> {
  ctx.log.info(`[Worker] waiting up to ${ctx.options.shutdownGrace}s for ${ctx.inflight.size} task(s) to finish`);
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<void>((resolve) => {
    ctx.cutGrace = resolve;
    timer = setTimeout(resolve, ctx.options.shutdownGrace * 1000);
  });
  await Promise.race([Promise.allSettled(ctx.inflight), cut]);
  clearTimeout(timer);
}

/** Restores every claim this worker still holds (nothing is lost, the next worker runs them). */
async function handBackClaims(ctx: WorkerContext): Promise<void> {
  const tags = [...ctx.handler.held.keys()];
  if (tags.length === 0) return;
  const n = await ctx.qos.restore(tags).catch(() => 0);
  ctx.log.warn(`[Worker] Restoring ${n} unacknowledged message(s)`);
}
