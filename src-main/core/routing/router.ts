/**
 * Where a task message goes, resolved as Celery 5 resolves it (Task.apply_async, Router.route,
 * AMQP.send_task_message), per field:
 *   the call's options, then the signature's, then what the task declares (its queue and
 *   priority: Celery's task attributes, merged under the options before routing), then the
 *   first route `taskRoutes` gives, then `defaultQueue` / `defaultPriority`.
 * Then, as send_task_message: a direct exchange without both an exchange and a routing key is
 * the anonymous exchange with the queue's name as routing key (how nearly every Celery task
 * travels); a topic or fanout exchange takes the exchange (else `defaultExchange`, else the
 * queue's name) and the routing key (else `defaultRoutingKey`, else the queue's name).
 */
import { ConfigurationError } from '../errors.js';
import { queueBindings, type DeclaredQueue } from './queues.js';
import { compileRoutes, lookupRoute, normalizeRoute, type ExchangeType, type Route, type TaskRoutes } from './routes.js';

export interface RoutingConfig {
  taskRoutes?: TaskRoutes;
  defaultQueue: string;
  defaultExchange?: string;
  defaultRoutingKey?: string;
  defaultPriority?: number;
  /** Celery's task_queues: queues bound to another exchange or routing key than their name. */
  queues?: ReadonlyMap<string, DeclaredQueue>;
  /** What a task registered here declares (Celery's task attributes), or undefined for one it does not know. */
  declared(name: string): Route | undefined;
}

/** Where one message goes, and as what its delivery_info says. */
export interface Destination {
  queue: string;
  /** '' is the anonymous exchange: the routing key is then the queue. */
  exchange: string;
  routingKey: string;
  exchangeType: ExchangeType;
  priority: number | undefined;
}

/** Routes a process has seen name exchanges of a type; kombu too knows an exchange's type only from its own declarations. */
const MAX_KNOWN_EXCHANGES = 1000;

export class Router {
  private readonly lookups;
  private readonly exchangeTypes: Map<string, ExchangeType>;
  /** Whether a route depends on more than the task name (a router function): bulk sends then route each call. */
  readonly hasFunctions: boolean;

  constructor(private readonly config: RoutingConfig) {
    const compiled = compileRoutes(config.taskRoutes);
    this.lookups = compiled.lookups;
    this.hasFunctions = compiled.hasFunctions;
    this.exchangeTypes = compiled.exchangeTypes;
    for (const q of config.queues?.values() ?? []) if (q.exchangeType !== 'direct') this.exchangeTypes.set(q.exchange, q.exchangeType);
    if (config.defaultPriority !== undefined) normalizeRoute({ priority: config.defaultPriority }, 'defaultPriority');
    for (const [name, value] of [['defaultQueue', config.defaultQueue], ['defaultExchange', config.defaultExchange], ['defaultRoutingKey', config.defaultRoutingKey]] as const) {
      if (value !== undefined && typeof value !== 'string') throw new ConfigurationError(`${name} must be a string`);
    }
    if (config.defaultQueue === '') throw new ConfigurationError('defaultQueue must not be empty');
  }

  /**
   * The destination of one call.
   * @param given the call's options over the signature's (queue, exchange, routingKey, exchangeType, priority)
   * @param declared whether the task's declared options apply: a task's applyAsync and a
   *   signature do; sendTask by name does not (Celery's send_task ignores task attributes)
   * @throws ConfigurationError for a bad route
   */
  route(name: string, args: readonly unknown[], kwargs: Record<string, unknown>, given: Route = {}, declared = true): Destination {
    const own = declared ? this.config.declared(name) : undefined;
    const options = { ...(own && defined(own)), ...defined(normalizeRoute(given, `the options of ${name}`)) };
    const found = this.lookups.length ? lookupRoute(this.lookups, name, args, kwargs, options) : undefined;
    const r: Route = found ? { ...found, ...options } : options;
    const queue = r.queue ?? this.config.defaultQueue;
    // send_task_message: the exchange type is the call's, else that of the queue's declared exchange.
    const declaredQueue = this.declaredQueue(queue);
    const exchangeType = r.exchangeType ?? declaredQueue?.exchangeType ?? (r.exchange !== undefined ? this.exchangeTypes.get(r.exchange) : undefined) ?? 'direct';
    if (r.exchange && r.exchangeType) this.noteExchange(r.exchange, r.exchangeType);
    const priority = r.priority ?? this.config.defaultPriority;
    if (exchangeType === 'direct' && (!r.exchange || !r.routingKey)) return { queue, exchange: '', routingKey: queue, exchangeType, priority };
    return {
      queue,
      exchange: r.exchange || declaredQueue?.exchange || this.config.defaultExchange || queue,
      routingKey: r.routingKey ?? declaredQueue?.routingKey ?? this.config.defaultRoutingKey ?? queue,
      exchangeType,
      priority,
    };
  }

  /**
   * How a queue is bound: as taskQueues declares it; the default queue by defaultExchange and
   * defaultRoutingKey when set (Celery's default Queue); otherwise undefined (bound by its name).
   */
  declaredQueue(queue: string): DeclaredQueue | undefined {
    const declared = this.config.queues?.get(queue);
    if (declared) return declared;
    const { defaultQueue, defaultExchange, defaultRoutingKey } = this.config;
    if (queue !== defaultQueue || (defaultExchange === undefined && defaultRoutingKey === undefined)) return undefined;
    return { name: queue, exchange: defaultExchange || queue, routingKey: defaultRoutingKey ?? queue, exchangeType: 'direct' };
  }

  /** The bindings a consumer of this queue declares, as kombu's queue_bind writes them. */
  bindingsOf(queue: string): Array<{ key: string; member: string }> {
    return queueBindings(queue, this.declaredQueue(queue));
  }

  /** The type of a named exchange: as a route or send declared it, else direct (kombu's default). */
  exchangeTypeOf(exchange: string): ExchangeType {
    return this.exchangeTypes.get(exchange) ?? 'direct';
  }

  private noteExchange(exchange: string, type: ExchangeType): void {
    if (this.exchangeTypes.get(exchange) === type) return;
    // Past the bound, a newly seen exchange is resolved per send only (its route names its type anyway).
    if (this.exchangeTypes.size >= MAX_KNOWN_EXCHANGES && !this.exchangeTypes.has(exchange)) return;
    this.exchangeTypes.set(exchange, type);
  }
}

/** A route with its undefined fields dropped, so that spreading it overrides nothing with undefined. */
function defined(r: Route): Route {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Route;
}
