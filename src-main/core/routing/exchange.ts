/**
 * Delivery through a named exchange as kombu's Redis transport does it (kombu/transport/redis.py
 * and virtual/exchange.py): an exchange is a SET `_kombu.binding.<exchange>` of
 * `routing_key SEP pattern SEP queue` members. Direct: every queue bound with the routing key;
 * topic: every queue whose binding key's pattern (kombu's key_to_pattern) matches it;
 * fanout: one PUBLISH on `/<db>.<exchange>` (plus `/<routing key>`: kombu's fanout_patterns),
 * read only by consumers subscribed at that moment.
 */
import type { Redis } from 'ioredis';
import { CeleriacError } from '../errors.js';
import { bindingKey, SEP } from '../keys.js';
import { topicPattern } from './queues.js';
import type { ExchangeType } from './routes.js';

/** Bindings read from one exchange at most: a table larger than this is not a routing table. */
export const MAX_BINDINGS = 10_000;
/** A member longer than this (a queue name, key and pattern) is skipped as not kombu's. */
const MAX_MEMBER_BYTES = 4096;

/** A message no queue is bound to receive (kombu drops it with an UndeliverableWarning: we refuse to send it). */
export class UnroutableError extends CeleriacError {
  constructor(message: string) {
    super(message, 'E_UNROUTABLE');
  }
}

/** One binding of an exchange. */
export interface Binding {
  routingKey: string;
  pattern: string;
  queue: string;
}

/** The exchange's binding table (kombu's get_table), bounded. @throws UnroutableError when it is too large */
export async function readBindings(redis: Redis, exchange: string): Promise<Binding[]> {
  const key = bindingKey(exchange);
  const count = await redis.scard(key);
  if (count > MAX_BINDINGS) throw new UnroutableError(`exchange ${exchange} has ${count} bindings (${key}); more than ${MAX_BINDINGS} are not read`);
  const out: Binding[] = [];
  for (const member of await redis.smembers(key)) {
    if (member.length > MAX_MEMBER_BYTES) continue;
    const [routingKey = '', pattern = '', queue = ''] = member.split(SEP);
    if (queue !== '') out.push({ routingKey, pattern, queue });
  }
  return out;
}

/** Compiled topic patterns, by binding key; bounded, since binding keys come from Redis. */
const patternCache = new Map<string, RegExp | null>();
const PATTERN_CACHE_MAX = 1000;
/** Wildcards in one binding key at most: each is a lazy `.*?`, and many of them backtrack for ever on a key that does not match. */
const MAX_WILDCARDS = 8;
const MAX_KEY_LENGTH = 1024;

/**
 * kombu's TopicExchange._match: Python's re.match of key_to_pattern(binding key). The pattern
 * is made here from the binding's key (kombu stores exactly that beside it) rather than
 * compiled from what Redis holds: a stored regex is not code to run. A binding key with more
 * than MAX_WILDCARDS wildcards matches nothing.
 */
function topicMatches(bindingKey: string, routingKey: string): boolean {
  let re = patternCache.get(bindingKey);
  if (re === undefined) {
    const wildcards = bindingKey.split('.').filter((w) => w === '*' || w === '#').length;
    re = wildcards > MAX_WILDCARDS || bindingKey.length > MAX_KEY_LENGTH ? null : new RegExp(topicPattern(bindingKey), 'y');
    if (patternCache.size >= PATTERN_CACHE_MAX) patternCache.clear();
    patternCache.set(bindingKey, re);
  }
  if (!re || routingKey.length > MAX_KEY_LENGTH) return false;
  re.lastIndex = 0;
  return re.test(routingKey);
}

/** The queues a direct or topic exchange delivers this routing key to (kombu's lookup), in a stable order. */
export function matchBindings(bindings: readonly Binding[], type: Exclude<ExchangeType, 'fanout'>, routingKey: string): string[] {
  const queues = new Set<string>();
  for (const b of bindings) {
    if (type === 'direct' ? b.routingKey === routingKey : topicMatches(b.routingKey, routingKey)) queues.add(b.queue);
  }
  return [...queues].sort();
}

/**
 * The queues a message for this exchange and routing key goes to.
 * @throws UnroutableError when none is bound (kombu would drop the message silently)
 */
export async function exchangeQueues(redis: Redis, exchange: string, type: Exclude<ExchangeType, 'fanout'>, routingKey: string): Promise<string[]> {
  const queues = matchBindings(await readBindings(redis, exchange), type, routingKey);
  if (queues.length === 0) {
    throw new UnroutableError(
      `no queue is bound to the ${type} exchange ${JSON.stringify(exchange)} with routing key ${JSON.stringify(routingKey)} (${bindingKey(exchange)}): ` +
        'start a consumer of the queue first (it declares the binding), or send to a queue instead. kombu drops such a message; Celeriac does not send it',
    );
  }
  return queues;
}

/** The channel kombu's Redis transport publishes a fanout message on (_get_publish_topic, fanout_prefix and fanout_patterns on). */
export function fanoutChannel(db: number, exchange: string, routingKey: string): string {
  return routingKey ? `/${db}.${exchange}/${routingKey}` : `/${db}.${exchange}`;
}
