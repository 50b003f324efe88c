/**
 * Celery's `task_routes`: a map of task name or glob to a route, RegExp keys, or an ordered
 * list of maps and router functions; the first that answers for a task name wins
 * (celery/app/routes.py: MapRoute, Router.lookup_route).
 */
import { ConfigurationError } from '../errors.js';

/** kombu's exchange types; on Redis a direct exchange is the default (task_default_exchange_type). */
export type ExchangeType = 'direct' | 'topic' | 'fanout';
export const EXCHANGE_TYPES: readonly ExchangeType[] = ['direct', 'topic', 'fanout'];

/** Where a task goes: Celery's route dict, camelCase or as Celery spells it. */
export interface Route {
  queue?: string;
  exchange?: string;
  routingKey?: string;
  /** Celery's spelling, accepted as well. */
  routing_key?: string;
  exchangeType?: ExchangeType;
  /** Celery's spelling, accepted as well. */
  exchange_type?: ExchangeType;
  priority?: number;
}

/** A route, or only a queue name. */
export type RouteValue = Route | string;

/** A router function: Celery's `(name, args, kwargs, options, task=None)`; undefined or null passes on. */
export type RouterFn = (name: string, args: readonly unknown[], kwargs: Record<string, unknown>, options: Readonly<Record<string, unknown>>) => RouteValue | null | undefined;

/** A map of names, globs ('tasks.*') and RegExps to routes; a Map or pair list keeps RegExp keys and order. */
export type RouteMap = Record<string, RouteValue> | Map<string | RegExp, RouteValue> | ReadonlyArray<readonly [string | RegExp, RouteValue]>;

/** `taskRoutes`: one map or router, or an ordered list of them. */
export type TaskRoutes = RouteMap | RouterFn | ReadonlyArray<RouteMap | RouterFn>;

/** Routes a config may hold; more is a mistake, not a deployment. */
const MAX_ROUTERS = 1000;
const MAX_ENTRIES = 10_000;

/** One compiled router: a name in, a route (not yet normalized) or undefined out. */
type Lookup = (name: string, args: readonly unknown[], kwargs: Record<string, unknown>, options: Readonly<Record<string, unknown>>) => RouteValue | null | undefined;

/** `taskRoutes` compiled. */
export interface CompiledRoutes {
  lookups: Lookup[];
  /** A router function is there: a route may depend on more than the task name. */
  hasFunctions: boolean;
  /** Exchanges the maps name with a type (what kombu would know from declaring them). */
  exchangeTypes: Map<string, ExchangeType>;
}

/**
 * Compiles `taskRoutes` once. @throws ConfigurationError naming the bad entry
 */
export function compileRoutes(routes: TaskRoutes | undefined): CompiledRoutes {
  const exchangeTypes = new Map<string, ExchangeType>();
  if (routes === undefined || routes === null) return { lookups: [], hasFunctions: false, exchangeTypes };
  // A pair list is one map (Celery's list of tuples); any other array is a list of routers.
  const list = Array.isArray(routes) && !isPairList(routes) ? (routes as ReadonlyArray<RouteMap | RouterFn>) : [routes as RouteMap | RouterFn];
  if (list.length > MAX_ROUTERS) throw new ConfigurationError(`taskRoutes has ${list.length} routers; at most ${MAX_ROUTERS}`);
  const lookups = list.map((r, i) => (typeof r === 'function' ? r : compileMap(r, `taskRoutes[${i}]`, exchangeTypes)));
  return { lookups, hasFunctions: list.some((r) => typeof r === 'function'), exchangeTypes };
}

/** The first route any router gives for this call (Router.lookup_route), or undefined. */
export function lookupRoute(lookups: readonly Lookup[], name: string, args: readonly unknown[], kwargs: Record<string, unknown>, options: Readonly<Record<string, unknown>>): Route | undefined {
  for (const lookup of lookups) {
    const found = lookup(name, args, kwargs, options);
    if (found !== undefined && found !== null) return normalizeRoute(found, `the route of ${name}`);
  }
  return undefined;
}

/** A route as one shape: queue name expanded, Celery's spellings folded into camelCase, each field checked. */
export function normalizeRoute(value: RouteValue, where: string): Route {
  if (typeof value === 'string') {
    if (value === '') throw new ConfigurationError(`${where}: a queue name must not be empty`);
    return { queue: value };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(`${where} must be a queue name or { queue, exchange, routingKey, exchangeType, priority }, got ${typeof value}`);
  }
  const out: Route = {};
  const text = (key: string, v: unknown): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new ConfigurationError(`${where}: ${key} must be a string, got ${typeof v}`);
    return v;
  };
  const queue = text('queue', value.queue);
  if (queue !== undefined && queue !== '') out.queue = queue;
  const exchange = text('exchange', value.exchange);
  if (exchange !== undefined) out.exchange = exchange;
  const routingKey = text('routingKey', value.routingKey) ?? text('routing_key', value.routing_key);
  if (routingKey !== undefined) out.routingKey = routingKey;
  const type = value.exchangeType ?? value.exchange_type;
  if (type !== undefined && type !== null) {
    if (!EXCHANGE_TYPES.includes(type)) throw new ConfigurationError(`${where}: exchangeType ${JSON.stringify(type)} is not one of ${EXCHANGE_TYPES.join(', ')} (kombu's Redis transport has no headers exchange)`);
    out.exchangeType = type;
  }
  if (value.priority !== undefined && value.priority !== null) {
    if (!Number.isInteger(value.priority) || value.priority < 0 || value.priority > 9) throw new ConfigurationError(`${where}: priority must be an integer from 0 to 9, got ${String(value.priority)}`);
    out.priority = value.priority;
  }
  return out;
}

function isPairList(a: readonly unknown[]): boolean {
  return a.length > 0 && a.every((e) => Array.isArray(e) && e.length === 2 && (typeof e[0] === 'string' || e[0] instanceof RegExp));
}

/**
 * MapRoute: an exact name first, then the patterns in the order given. A key is a glob only
 * when it has a '*', as in Celery; a RegExp, like Python's `re.match`, must match at the start.
 */
function compileMap(map: RouteMap, where: string, exchangeTypes: Map<string, ExchangeType>): Lookup {
  const pairs: Array<readonly [string | RegExp, RouteValue]> = map instanceof Map ? [...map] : Array.isArray(map) ? [...(map as ReadonlyArray<readonly [string | RegExp, RouteValue]>)] : Object.entries(map as Record<string, RouteValue>);
  if (pairs.length > MAX_ENTRIES) throw new ConfigurationError(`${where} has ${pairs.length} entries; at most ${MAX_ENTRIES}`);
  const exact = new Map<string, Route>();
  const patterns: Array<[(name: string) => boolean, Route]> = [];
  for (const [key, value] of pairs) {
    const label = `${where}[${String(key)}]`;
    const route = normalizeRoute(value, label);
    if (route.exchange && route.exchangeType) exchangeTypes.set(route.exchange, route.exchangeType);
    if (key instanceof RegExp) patterns.push([matchesAtStart(key), route]);
    else if (typeof key !== 'string') throw new ConfigurationError(`${label}: a key must be a task name, a glob or a RegExp`);
    else if (key.includes('*')) {
      const re = globToRegExp(key);
      patterns.push([(name) => re.test(name), route]);
    }
    else exact.set(key, route);
  }
  return (name) => {
    const hit = exact.get(name);
    if (hit) return { ...hit };
    for (const [matches, route] of patterns) if (matches(name)) return { ...route };
    return undefined;
  };
}

/** Python's re.match: a match that starts at the name's start (a sticky copy, lastIndex reset on every test). */
function matchesAtStart(re: RegExp): (name: string) => boolean {
  const sticky = new RegExp(re.source, re.flags.replace(/[gy]/g, '') + 'y');
  return (name) => {
    sticky.lastIndex = 0;
    return sticky.test(name);
  };
}

/** Python's fnmatch.translate: '*' any run, '?' one character, '[...]' a class ('!' negates); the whole name. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = '^' + body.slice(1);
      else if (body.startsWith('^')) body = '\\' + body;
      out += `[${body}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^(?:${out})$`, 's');
}
