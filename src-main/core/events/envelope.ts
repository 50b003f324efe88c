import { randomUUID } from 'node:crypto';
import { utf8Base64 } from '../protocol/fast-json.js';
import { EVENT_EXCHANGE } from '../keys.js';

/** One Celery event: the common fields plus its own. */
export interface CeleryEvent {
  type: string;
  hostname: string;
  utcoffset: number;
  pid: number;
  clock: number;
  timestamp: number;
  [field: string]: unknown;
}

/** The routing key of an event type: `task-received` -> `task.received`. */
export function routingKeyOf(type: string): string {
  return type.replace(/-/g, '.');
}

/**
 * The kombu envelope Celery publishes events in (Celery's events/dispatcher.py): the body is one event, or
 * a list of task events sent together as `task.multi`.
 */
export function encodeEvent(body: CeleryEvent | CeleryEvent[], routingKey: string, hostname: string): string {
  return encodeEventText(JSON.stringify(body), routingKey, hostname);
}

/**
 * The same envelope around a body already written as JSON text (one event's, or a list's): the
 * body's base64 is set into the envelope as it is, not stringified again with it (base64 needs
 * no escaping).
 */
export function encodeEventText(bodyJson: string, routingKey: string, hostname: string): string {
  const rest = JSON.stringify({
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: { hostname },
    properties: {
      delivery_mode: 1,
      delivery_info: { exchange: EVENT_EXCHANGE, routing_key: routingKey },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  });
  return `{"body":"${utf8Base64(bodyJson)}",${rest.slice(1)}`;
}

function isEvent(e: unknown): e is CeleryEvent {
  return typeof e === 'object' && e !== null && typeof (e as { type?: unknown }).type === 'string';
}

/** Decodes an event envelope into its events (one, or the list of a task.multi). */
export function decodeEvents(raw: string): CeleryEvent[] {
  try {
    const env = JSON.parse(raw) as { body?: unknown; properties?: { body_encoding?: unknown } };
    if (typeof env.body !== 'string') return [];
    const text = env.properties?.body_encoding === 'base64' ? Buffer.from(env.body, 'base64').toString('utf8') : env.body;
    const body = JSON.parse(text) as unknown;
    if (!Array.isArray(body)) return isEvent(body) ? [body] : [];
    // A task.multi list is handed over as parsed (no copy) unless something in it is not an event.
    return body.every(isEvent) ? (body as CeleryEvent[]) : body.filter(isEvent);
  } catch {
    return [];
  }
}
