import { randomUUID } from 'node:crypto';
import { utf8Base64 } from '../protocol/fast-json.js';

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

/** The kombu envelope of a control request or reply. */
export function encodeControl(body: unknown, headers: Record<string, unknown>, exchange: string, routingKey: string, deliveryMode: number): string {
  return JSON.stringify({
    body: utf8Base64(JSON.stringify(body)),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
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

/** The body and headers of a control envelope, or null when it is not one. */
export function decodeControl(raw: string): { body: unknown; headers: Record<string, unknown> } | null {
  try {
    const env = JSON.parse(raw) as { body?: unknown; headers?: unknown; properties?: { body_encoding?: unknown } };
    if (typeof env.body !== 'string') return null;
    const text = env.properties?.body_encoding === 'base64' ? Buffer.from(env.body, 'base64').toString('utf8') : env.body;
    return { body: JSON.parse(text) as unknown, headers: (typeof env.headers === 'object' && env.headers) || {} } as { body: unknown; headers: Record<string, unknown> };
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
