import { decodeTaskMessage } from '../protocol/decode.js';
import { scalarJson as j } from '../protocol/fast-json.js';
import type { TaskMessage } from '../protocol/types.js';

/**
 * What the control room lists and filters on, one per task id, kept in `celeriac:records`.
 * Written by the producer when it sends and by the worker as the task moves; bounded by a cap
 * and the result expiry. The result backend stays the source of truth for results.
 *
 * A task that is only sent has its message as its record (the producer stores the bytes it
 * already encoded: a separate record halved send throughput); parseRecord reads both forms.
 */
export interface TaskRecord {
  id: string;
  name: string;
  queue: string;
  /** PENDING, STARTED, SUCCESS, FAILURE, RETRY, REVOKED */
  state: string;
  argsrepr: string;
  kwargsrepr: string;
  priority: number;
  eta: string | null;
  retries: number;
  group: string | null;
  /** The node that ran it last. */
  worker?: string;
  /** unix ms */
  started?: number;
  finished?: number;
  /** seconds */
  runtime?: number;
  /** A short preview of the return value. */
  result?: string;
  error?: { type: string; message: string };
  /** The original message, kept for failed and revoked tasks so they can be sent again. */
  message?: string;
  /** The last progress reported (ctx.progress), while the task runs. */
  progress?: { current: number; total: number };
}

/**
 * One run of a task, as kept in its attempts list (`celeriac:attempts:<id>`). A task that
 * succeeded at its first attempt has none listed: its record says all there is.
 */
export interface Attempt {
  state: string;
  retries: number;
  worker: string;
  started: number;
  finished: number;
  runtime: number;
  error?: { type: string; message: string };
}

/** The record of a message as it is sent. */
export function sentRecord(msg: TaskMessage): TaskRecord {
  return {
    id: msg.id,
    name: msg.task,
    queue: msg.routingKey,
    state: 'PENDING',
    argsrepr: msg.argsrepr,
    kwargsrepr: msg.kwargsrepr,
    priority: msg.priority,
    eta: msg.eta,
    retries: msg.retries,
    group: msg.group,
  };
}

/** A short display form of a value, for lists. */
export function preview(value: unknown, max = 200): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/**
 * The record of a sent message from its envelope and headers alone, without decoding the
 * body: the task list reads every pending task's record, and the body is most of the cost.
 * @returns null when a field is missing or of the wrong type (the full decoder then decides)
 */
function peekSentRecord(stored: string): TaskRecord | null {
  let env: { headers?: Record<string, unknown>; properties?: { priority?: unknown; delivery_info?: { routing_key?: unknown } } };
  try {
    env = JSON.parse(stored) as typeof env;
  } catch {
    return null;
  }
  const h = env.headers;
  const queue = env.properties?.delivery_info?.routing_key;
  if (!h || typeof h.id !== 'string' || typeof h.task !== 'string' || typeof queue !== 'string') return null;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const priority = env.properties?.priority;
  return {
    id: h.id,
    name: h.task,
    queue,
    state: 'PENDING',
    argsrepr: str(h.argsrepr) ?? '',
    kwargsrepr: str(h.kwargsrepr) ?? '',
    priority: typeof priority === 'number' ? priority : 0,
    eta: str(h.eta),
    retries: typeof h.retries === 'number' ? h.retries : 0,
    group: str(h.group),
  };
}

/**
 * Reads a stored record: a record JSON, or the message of a task that is only sent.
 * @returns null when the value is neither
 */
export function parseRecord(stored: string): TaskRecord | null {
  if (stored.startsWith('{"body"')) {
    const peeked = peekSentRecord(stored);
    if (peeked) return { ...peeked, message: stored };
    const decoded = decodeTaskMessage(stored);
    return decoded.ok ? { ...sentRecord(decoded.message), message: stored } : null;
  }
  try {
    const value = JSON.parse(stored) as TaskRecord;
    return typeof value?.id === 'string' ? value : null;
  } catch {
    return null;
  }
}

/**
 * JSON.stringify(record), field for field, written with the scalar fast path: the worker
 * encodes one per task (a unit test holds the two equal).
 */
export function encodeRecord(r: TaskRecord): string {
  let out =
    `{"id":${j(r.id)},"name":${j(r.name)},"queue":${j(r.queue)},"state":${j(r.state)},"argsrepr":${j(r.argsrepr)},` +
    `"kwargsrepr":${j(r.kwargsrepr)},"priority":${j(r.priority)},"eta":${j(r.eta)},"retries":${j(r.retries)},"group":${j(r.group)}`;
  if (r.worker !== undefined) out += `,"worker":${j(r.worker)}`;
  if (r.started !== undefined) out += `,"started":${j(r.started)}`;
  if (r.finished !== undefined) out += `,"finished":${j(r.finished)}`;
  if (r.runtime !== undefined) out += `,"runtime":${j(r.runtime)}`;
  if (r.result !== undefined) out += `,"result":${j(r.result)}`;
  if (r.error !== undefined) out += `,"error":{"type":${j(r.error.type)},"message":${j(r.error.message)}}`;
  if (r.message !== undefined) out += `,"message":${j(r.message)}`;
  if (r.progress !== undefined) out += `,"progress":{"current":${j(r.progress.current)},"total":${j(r.progress.total)}}`;
  return `${out}}`;
}
