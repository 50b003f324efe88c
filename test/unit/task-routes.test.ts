/**
 * Celery's task_routes resolution (celery/app/routes.py, Task.apply_async, send_task_message):
 * maps, globs, RegExps, router functions in order, and the per-field order of what wins.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src-main/core/errors.js';
import { matchBindings, fanoutChannel } from '../../src-main/core/routing/exchange.js';
import { Router, type RoutingConfig } from '../../src-main/core/routing/router.js';
import { globToRegExp, type Route, type TaskRoutes } from '../../src-main/core/routing/routes.js';
import { declareQueues, topicPattern } from '../../src-main/core/routing/queues.js';

const router = (taskRoutes?: TaskRoutes, more: Partial<RoutingConfig> = {}, declared: Record<string, Route> = {}): Router =>
  new Router({ taskRoutes, defaultQueue: 'dq', declared: (n) => declared[n], ...more });
const dest = (r: Router, name: string, given: Route = {}, useDeclared = true) => r.route(name, [], {}, given, useDeclared);

describe('taskRoutes', () => {
  it('sends a task no route names to defaultQueue on the anonymous exchange', () => {
    expect(dest(router(), 'tasks.add')).toEqual({ queue: 'dq', exchange: '', routingKey: 'dq', exchangeType: 'direct', priority: undefined });
  });

  it('takes an exact name before a glob, a string as a queue name, and globs as fnmatch does', () => {
    const r = router({ 'tasks.*': { queue: 'glob' }, 'tasks.add': 'exact', 'media.?ideo': 'not-a-glob' });
    expect(dest(r, 'tasks.add').queue).toBe('exact');
    expect(dest(r, 'tasks.mul').queue).toBe('glob');
    // A key without '*' is a name, as in Celery: its '?' matches only itself.
    expect(dest(r, 'media.video').queue).toBe('dq');
    expect(globToRegExp('a.*.[!x]?').test('a.b.cd')).toBe(true);
    expect(globToRegExp('a.*.[!x]?').test('a.b.xd')).toBe(false);
  });

  it('matches RegExp keys at the start of the name, as re.match, in the order given', () => {
    const r = router(new Map<string | RegExp, Route | string>([[/video\./, 'anywhere'], [/^feed\.|img/, 'feeds']]));
    expect(dest(r, 'video.compress').queue).toBe('anywhere');
    expect(dest(r, 'tasks.video.compress').queue).toBe('dq');
    expect(dest(r, 'img.resize').queue).toBe('feeds');
  });

  it('asks an ordered list of maps and router functions; the first answer wins', () => {
    const seen: unknown[] = [];
    const r = router([
      (name, args, _kwargs, options) => {
        seen.push([name, args, options]);
        return name === 'tasks.fn' ? { queue: 'by-fn', priority: 3 } : undefined;
      },
      { 'tasks.*': 'by-map' },
    ]);
    expect(r.route('tasks.fn', [1], {}, { queue: undefined }, true)).toMatchObject({ queue: 'by-fn', priority: 3 });
    expect(dest(r, 'tasks.other').queue).toBe('by-map');
    expect(seen[0]).toEqual(['tasks.fn', [1], {}]);
    expect(r.hasFunctions).toBe(true);
  });

  it('orders per field as Celery: options, then the declared task queue, then the route, then defaults', () => {
    const r = router({ 'tasks.*': { queue: 'routed', priority: 5 } }, { defaultPriority: 1 }, { 'tasks.declared': { queue: 'own' } });
    expect(dest(r, 'tasks.any')).toMatchObject({ queue: 'routed', priority: 5 });
    // Task.apply_async merges the task's attributes under the options before routing: they win over the route.
    expect(dest(r, 'tasks.declared')).toMatchObject({ queue: 'own', priority: 5 });
    // send_task by name does not look at the task's attributes.
    expect(dest(r, 'tasks.declared', {}, false)).toMatchObject({ queue: 'routed' });
    expect(dest(r, 'tasks.declared', { queue: 'call', priority: 0 })).toMatchObject({ queue: 'call', priority: 0 });
    expect(dest(router(undefined, { defaultPriority: 1 }), 'x').priority).toBe(1);
    // A registered task that declares nothing leaves the route alone.
    expect(dest(router({ 'tasks.*': 'routed' }, {}, { 'tasks.plain': { queue: undefined, priority: undefined } }), 'tasks.plain').queue).toBe('routed');
  });

  it('uses a direct exchange only with both exchange and routing key, as send_task_message', () => {
    const r = router({ 'a': { queue: 'q', exchange: 'ex' }, 'b': { queue: 'q', exchange: 'ex', routing_key: 'rk' }, 'c': { queue: 'q', routingKey: 'rk' } });
    expect(dest(r, 'a')).toMatchObject({ exchange: '', routingKey: 'q' });
    expect(dest(r, 'b')).toMatchObject({ queue: 'q', exchange: 'ex', routingKey: 'rk', exchangeType: 'direct' });
    expect(dest(r, 'c')).toMatchObject({ exchange: '', routingKey: 'q' });
  });

  it('fills a topic route from defaultExchange and defaultRoutingKey, else the queue name, and remembers its type', () => {
    const r = router({ 't': { queue: 'q', exchangeType: 'topic' }, 'u': { exchange: 'news', exchange_type: 'topic', routingKey: 'news.sport' } }, { defaultExchange: 'dx' });
    expect(dest(r, 't')).toMatchObject({ exchange: 'dx', routingKey: 'q', exchangeType: 'topic' });
    expect(dest(r, 'u')).toMatchObject({ queue: 'dq', exchange: 'news', routingKey: 'news.sport', exchangeType: 'topic' });
    expect(r.exchangeTypeOf('news')).toBe('topic');
    expect(r.exchangeTypeOf('unknown')).toBe('direct');
  });

  it('refuses bad routes with what to change', () => {
    expect(() => router({ x: { priority: 12 } })).toThrow(ConfigurationError);
    expect(() => router({ x: { exchangeType: 'headers' as never } })).toThrow(/not one of direct, topic, fanout/);
    expect(() => router({ x: 3 as never })).toThrow(/queue name or/);
    const r = router(() => ({ queue: 7 as never }));
    expect(() => dest(r, 'x')).toThrow(/queue must be a string/);
  });
});

describe("kombu's binding table", () => {
  const table = [
    { routingKey: 'rk', pattern: '', queue: 'a' },
    { routingKey: 'rk', pattern: '', queue: 'b' },
    { routingKey: 'other', pattern: '', queue: 'c' },
    // As kombu's TopicExchange.key_to_pattern stores 'news.#' and '*.sport'.
    { routingKey: 'news.#', pattern: '^news\\..*?$', queue: 'news' },
    { routingKey: '*.sport', pattern: '^.*?[^\\.]\\.sport$', queue: 'sport' },
    // A stored pattern is not compiled (not code to run); nor is a key of too many wildcards.
    { routingKey: 'x', pattern: '(', queue: 'x' },
    { routingKey: '*.*.*.*.*.*.*.*.*', pattern: '', queue: 'greedy' },
  ];
  it('delivers a direct key to every queue bound with it', () => {
    expect(matchBindings(table, 'direct', 'rk')).toEqual(['a', 'b']);
    expect(matchBindings(table, 'direct', 'none')).toEqual([]);
  });
  it("matches a topic key as kombu's key_to_pattern of each binding key; a key of too many wildcards matches nothing", () => {
    const topic = table.slice(3);
    expect(matchBindings(topic, 'topic', 'news.sport')).toEqual(['news', 'sport']);
    expect(matchBindings(topic, 'topic', 'weather.sport')).toEqual(['sport']);
    expect(matchBindings(topic, 'topic', 'x')).toEqual(['x']);
    expect(matchBindings(topic, 'topic', 'a.b.c.d.e.f.g.h.i')).toEqual([]);
  });
  it("names kombu's fanout channel", () => {
    expect(fanoutChannel(0, 'bcast', '')).toBe('/0.bcast');
    expect(fanoutChannel(2, 'bcast', 'rk')).toBe('/2.bcast/rk');
  });
});

describe('taskQueues', () => {
  it("stores a topic binding's pattern exactly as kombu's key_to_pattern", () => {
    // Python: TopicExchange(None).key_to_pattern(key)
    expect(topicPattern('news.#')).toBe('^news\\..*?$');
    expect(topicPattern('*.sport')).toBe('^.*?[^\\.]\\.sport$');
    expect(topicPattern('x.*.y#')).toBe('^x\\..*?[^\\.]\\.y#$');
    expect(topicPattern('a-b.c_d')).toBe('^a\\-b\\.c\\_d$');
    expect(topicPattern('a/b=c!')).toBe('^a\\/b\\=c\\!$');
  });

  it('binds a declared queue under its exchange and key besides its own name; the default queue by defaultExchange', () => {
    const queues = declareQueues(['plain', { name: 'rq', exchange: 'rex', routingKey: 'rk' }, { name: 'tq', exchange: 'news', routingKey: 'news.#', exchangeType: 'topic' }]);
    const r = router(undefined, { queues, defaultExchange: 'dx', defaultRoutingKey: 'dk' });
    expect(r.bindingsOf('plain')).toEqual([{ key: '_kombu.binding.plain', member: 'plain\x06\x16\x06\x16plain' }]);
    expect(r.bindingsOf('rq')[1]).toEqual({ key: '_kombu.binding.rex', member: 'rk\x06\x16\x06\x16rq' });
    expect(r.bindingsOf('tq')[1]).toEqual({ key: '_kombu.binding.news', member: 'news.#\x06\x16^news\\..*?$\x06\x16tq' });
    expect(r.bindingsOf('dq')[1]).toEqual({ key: '_kombu.binding.dx', member: 'dk\x06\x16\x06\x16dq' });
    // A route to a queue of a topic exchange goes through that exchange (send_task_message), a direct one's does not.
    expect(dest(r, 'x', { queue: 'tq', routingKey: 'news.today' })).toMatchObject({ exchange: 'news', routingKey: 'news.today', exchangeType: 'topic' });
    expect(dest(r, 'x', { queue: 'rq' })).toMatchObject({ exchange: '', routingKey: 'rq' });
    expect(r.exchangeTypeOf('news')).toBe('topic');
    expect(() => declareQueues([{ name: '' }])).toThrow(/needs a queue name/);
  });
});
