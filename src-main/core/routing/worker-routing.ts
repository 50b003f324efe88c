/**
 * A worker's routing: the follow-ups it sends (chain steps, callbacks, errbacks, chord bodies)
 * go where its own app says, as a Celery worker routes them by its configuration: the task's
 * declared queue, the app's taskRoutes, its defaultQueue. The process pool's children hold the
 * tasks; the worker loads the same module(s) once more for their routing, which (like
 * kombu's declarations) lives only in code.
 */
import type { App } from '../app.js';
import type { Destination } from './router.js';
import type { ExchangeType, Route } from './routes.js';

export interface WorkerRouting {
  route(task: string, args: readonly unknown[], kwargs: Record<string, unknown>, given: Route): Destination;
  exchangeTypeOf(exchange: string): ExchangeType;
  /** The bindings the worker declares for a queue it consumes (by the first app, whose queues Celery's one app would declare). */
  bindingsOf(queue: string): Array<{ key: string; member: string }>;
}

/**
 * Routing over the worker's apps: a task goes by the app that registers it; any other (a task
 * only another worker knows) by the first app's routes and defaults, as Celery's one app does.
 */
export function workerRouting(apps: readonly App[]): WorkerRouting {
  const first = apps[0];
  if (!first) throw new Error('a worker needs at least one app to route by');
  const appOf = (task: string): App => apps.find((a) => a.tasks.has(task)) ?? first;
  return {
    route: (task, args, kwargs, given) => appOf(task).route(task, args, kwargs, given),
    exchangeTypeOf: (exchange) => {
      for (const a of apps) {
        const type = a.router.exchangeTypeOf(exchange);
        if (type !== 'direct') return type;
      }
      return 'direct';
    },
    bindingsOf: (queue) => first.router.bindingsOf(queue),
  };
}
