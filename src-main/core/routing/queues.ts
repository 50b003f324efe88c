/**
 * Celery's `task_queues`: queues declared with the exchange and routing key they are bound by
 * (kombu's `Queue('rq', Exchange('rex', type='direct'), routing_key='rk')`). A queue declared
 * nowhere is kombu's `Queue(name)`: bound to an exchange of its own name under its own name.
 */
import { ConfigurationError } from '../errors.js';
import { bindingKey, bindingMember } from '../keys.js';
import { EXCHANGE_TYPES, type ExchangeType } from './routes.js';

/** A declared queue, as Celery's task_queues entry. */
export interface QueueDeclaration {
  name: string;
  /** @default the queue's name */
  exchange?: string;
  /** @default the queue's name */
  routingKey?: string;
  /** @default 'direct' */
  exchangeType?: ExchangeType;
}

/** A declared queue with every field filled in. */
export interface DeclaredQueue {
  name: string;
  exchange: string;
  routingKey: string;
  exchangeType: ExchangeType;
}

const MAX_QUEUES = 10_000;

/** `taskQueues` checked and by name. @throws ConfigurationError naming the bad entry */
export function declareQueues(list: ReadonlyArray<string | QueueDeclaration> | undefined): Map<string, DeclaredQueue> {
  const out = new Map<string, DeclaredQueue>();
  if (list === undefined) return out;
  if (!Array.isArray(list)) throw new ConfigurationError('taskQueues must be a list of queue names or { name, exchange, routingKey, exchangeType }');
  if (list.length > MAX_QUEUES) throw new ConfigurationError(`taskQueues has ${list.length} queues; at most ${MAX_QUEUES}`);
  for (const [i, entry] of list.entries()) {
    const q = typeof entry === 'string' ? { name: entry } : entry;
    const where = `taskQueues[${i}]`;
    if (typeof q !== 'object' || q === null || typeof q.name !== 'string' || q.name === '') throw new ConfigurationError(`${where} needs a queue name`);
    for (const key of ['exchange', 'routingKey'] as const) {
      if (q[key] !== undefined && typeof q[key] !== 'string') throw new ConfigurationError(`${where}: ${key} must be a string`);
    }
    if (q.exchangeType !== undefined && !EXCHANGE_TYPES.includes(q.exchangeType)) throw new ConfigurationError(`${where}: exchangeType ${JSON.stringify(q.exchangeType)} is not one of ${EXCHANGE_TYPES.join(', ')}`);
    out.set(q.name, { name: q.name, exchange: q.exchange || q.name, routingKey: q.routingKey ?? q.name, exchangeType: q.exchangeType ?? 'direct' });
  }
  return out;
}

/** kombu's TopicExchange.key_to_pattern: the regex stored beside a topic binding ('*' one word, '#' any). */
export function topicPattern(routingKey: string): string {
  // kombu's escape_regex(key, '.#*'): every other character that is not a letter or digit escaped.
  const escaped = [...routingKey].map((c) => (/^[\p{L}\p{N}.#*]$/u.test(c) ? c : c === '\0' ? '\\000' : `\\${c}`)).join('');
  const words = escaped.split('.');
  return `^${words.map((w) => (w === '*' ? '.*?[^\\.]' : w === '#' ? '.*?' : w)).join('\\.')}$`;
}

/**
 * The binding members a consumer of this queue declares (kombu's queue_bind on Redis):
 * always the queue's own (`_kombu.binding.<queue>`, as Celeriac workers always wrote), and its
 * declared exchange's when that is another.
 */
export function queueBindings(queue: string, declared: DeclaredQueue | undefined): Array<{ key: string; member: string }> {
  const own = { key: bindingKey(queue), member: bindingMember(queue, queue) };
  if (!declared || (declared.exchange === queue && declared.routingKey === queue && declared.exchangeType === 'direct')) return [own];
  const pattern = declared.exchangeType === 'topic' ? topicPattern(declared.routingKey) : '';
  return [own, { key: bindingKey(declared.exchange), member: bindingMember(declared.routingKey, queue, pattern) }];
}
