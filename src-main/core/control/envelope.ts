import { randomUUID } from 'node:crypto';
import { utf8Base64 } from '../protocol/fast-json.js';
import { deserialize, serialize, serializerForContentType, type Serializer } from '../protocol/serializers.js';

/** A remote-control request as Celery's `broadcast` sends it (Celery's app/control.py, kombu's pidbox.py). */
export interface ControlRequest {
  method: string;
  arguments: Record<string, unknown>;
  destination: string[] | null;
  pattern: string | null;
  matcher: string | null;
  ticket?: string;
  reply_to?: { exchange: string; routing_key: string };
}

/**
 * The kombu envelope of a control request or reply: JSON, or the serializer a request came in
 * (a reply goes back in it, as Python's mailbox answers in its own; an app that accepts msgpack
 * only would drop a JSON reply).
 */
export function encodeControl(body: unknown, headers: Record<string, unknown>, exchange: string, routingKey: string, deliveryMode: number, serializer?: Serializer): string {
  const json = !serializer || serializer.name === 'json';
  return JSON.stringify({
    body: json ? utf8Base64(JSON.stringify(body)) : serialize(serializer, body).toString('base64'),
    'content-encoding': json ? 'utf-8' : serializer.contentEncoding,
    'content-type': json ? 'application/json' : serializer.contentType,
    headers,
    properties: {
      delivery_mode: deliveryMode,
      delivery_info: { exchange, routing_key: routingKey },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  });
}

/**
 * The body and headers of a control envelope, or null when it is not one. Python's mailbox
 * writes in the app's task serializer, so a shop on msgpack (or yaml) sends and answers control
 * in it; pickle (and anything else) is never read.
 */
export function decodeControl(raw: string): { body: unknown; headers: Record<string, unknown>; serializer: Serializer } | null {
  try {
    const env = JSON.parse(raw) as { body?: unknown; headers?: unknown; 'content-type'?: unknown; properties?: { body_encoding?: unknown } };
    if (typeof env.body !== 'string') return null;
    const serializer = serializerForContentType(typeof env['content-type'] === 'string' ? env['content-type'] : 'application/json');
    if (!serializer) return null;
    const bytes = env.properties?.body_encoding === 'base64' ? Buffer.from(env.body, 'base64') : Buffer.from(env.body, 'utf8');
    const body = serializer.name === 'json' ? (JSON.parse(bytes.toString('utf8')) as unknown) : deserialize(serializer, bytes);
    return { body, headers: ((typeof env.headers === 'object' && env.headers) || {}) as Record<string, unknown>, serializer };
  } catch {
    return null;
  }
}

/** Whether a request is for this node: no destination, a destination naming it, or a matching pattern. */
export function selects(request: ControlRequest, node: string): boolean {
  if (request.destination && request.destination.length > 0) return request.destination.includes(node);
  if (request.pattern) {
    try {
      const re = request.matcher === 'pcre' ? new RegExp(request.pattern) : globToRegExp(request.pattern);
      return re.test(node);
    } catch {
      return false;
    }
  }
  return true;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
