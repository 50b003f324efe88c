/**
 * One waiting message as a reader sees it: decoded (json, msgpack, yaml, compressed or not),
 * never unpickled, its arguments as JSON text cut to a bound, and the key that names this very
 * message to the actions (queue-message-actions.ts).
 */
import { createHash } from 'node:crypto';
import { decodeTaskMessage } from '../protocol/decode.js';
import { MAX_MESSAGE_BYTES } from '../protocol/limits.js';
import { PICKLE_CONTENT_TYPE, SERIALIZERS } from '../protocol/serializers.js';
import type { PriorityStep } from './queue-scan.js';

/** One waiting message, decoded. */
export interface QueuedMessage {
  /** Place in the queue: 0 is the next to be taken. */
  position: number;
  /** The priority sub-list it waits in. */
  step: PriorityStep;
  /** The SHA-1 of the message as stored (messageKey): what an action names to act on this very message. */
  key: string;
  id: string | null;
  task: string | null;
  /** The positional arguments as JSON text, cut at MAX_ARGS_CHARS ('' when not decoded). */
  args: string;
  /** The keyword arguments as JSON text, cut at MAX_ARGS_CHARS ('' when not decoded). */
  kwargs: string;
  /** Whether args or kwargs was cut. */
  argsCut: boolean;
  argsrepr: string;
  kwargsrepr: string;
  /** The message's own priority (0..9). */
  priority: number;
  eta: string | null;
  expires: string | null;
  retries: number;
  origin: string;
  /** The envelope's content type, e.g. application/x-msgpack. */
  contentType: string;
  /** The body's compression (the `compression` header), or null. */
  compression: string | null;
  /** The stored message's length in characters. */
  size: number;
  /** Why the message cannot be decoded (a worker will dead-letter it), or null. */
  problem: string | null;
}

/** How much of args and kwargs a listed message shows, each. */
export const MAX_ARGS_CHARS = 2000;

/** The key of a stored message: what a caller names to act on that very message. */
export function messageKey(raw: string): string {
  return createHash('sha1').update(raw).digest('hex');
}

/** A stored message as listed at `position` in sub-list `step`. */
export function describeMessage(raw: string, position: number, step: PriorityStep): QueuedMessage {
  const base = { position, step, key: messageKey(raw), size: raw.length };
  const r = decodeTaskMessage(raw);
  if (r.ok) {
    const m = r.message;
    const args = cut(JSON.stringify(m.args));
    const kwargs = cut(JSON.stringify(m.kwargs));
    return {
      ...base, id: m.id, task: m.task, args: args.text, kwargs: kwargs.text, argsCut: args.cut || kwargs.cut,
      argsrepr: m.argsrepr, kwargsrepr: m.kwargsrepr, priority: m.priority, eta: m.eta, expires: m.expires, retries: m.retries, origin: m.origin,
      contentType: SERIALIZERS[m.serializer ?? 'json'].contentType, compression: m.compression ?? null, problem: null,
    };
  }
  // What the envelope's headers say still shows (a pickled message's task, id and reprs), its body untouched.
  const h = peekEnvelope(raw);
  const problem = h.contentType === PICKLE_CONTENT_TYPE ? 'pickle: never deserialized (unpickling runs code the sender chose)' : `${r.error.reason}: ${r.error.message}`;
  return {
    ...base, id: str(h.headers.id), task: str(h.headers.task), args: '', kwargs: '', argsCut: false,
    argsrepr: str(h.headers.argsrepr) ?? '', kwargsrepr: str(h.headers.kwargsrepr) ?? '', priority: h.priority, eta: str(h.headers.eta), expires: str(h.headers.expires),
    retries: typeof h.headers.retries === 'number' ? h.headers.retries : 0, origin: str(h.headers.origin) ?? '',
    contentType: h.contentType, compression: str(h.headers.compression), problem,
  };
}

/** The task name and id a protocol 2 envelope's headers give, or null when they name no task (protocol 1, not an envelope). */
export function peekNameAndId(raw: string): { task: string; id: string | null } | null {
  const { headers } = peekEnvelope(raw);
  return typeof headers.task === 'string' ? { task: headers.task, id: str(headers.id) } : null;
}

function cut(text: string): { text: string; cut: boolean } {
  return text.length > MAX_ARGS_CHARS ? { text: `${text.slice(0, MAX_ARGS_CHARS)}…`, cut: true } : { text, cut: false };
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

interface Peeked {
  headers: Record<string, unknown>;
  contentType: string;
  priority: number;
}

/** The envelope's headers, content type and priority, whatever its body; empty when it is not a JSON object, or too large to parse. */
function peekEnvelope(raw: string): Peeked {
  if (raw.length > MAX_MESSAGE_BYTES) return { headers: {}, contentType: '', priority: 0 };
  try {
    const env = JSON.parse(raw) as unknown;
    if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new Error('not an envelope');
    const e = env as Record<string, unknown>;
    const headers = typeof e.headers === 'object' && e.headers !== null && !Array.isArray(e.headers) ? (e.headers as Record<string, unknown>) : {};
    const props = (typeof e.properties === 'object' && e.properties !== null ? e.properties : {}) as Record<string, unknown>;
    const p = typeof props.priority === 'number' && Number.isFinite(props.priority) ? Math.min(9, Math.max(0, Math.trunc(props.priority))) : 0;
    return { headers, contentType: String(e['content-type'] ?? ''), priority: p };
  } catch {
    return { headers: {}, contentType: '', priority: 0 };
  }
}
