/**
 * What the workers hold: the messages delivered and not yet acknowledged, kept by kombu's ack
 * emulation in `unacked` (delivery tag -> [envelope, exchange, routing_key]) and
 * `unacked_index` (delivery tag scored by claim time). Python workers and Celeriac's write the
 * same entries, so both are listed alike. Read only; pickle is never deserialized.
 *
 * Neither writes who claimed a message: the entry is kombu's, fixed by the wire. The owner is
 * left to the caller (a task's worker as its events said).
 */
import type { Redis } from 'ioredis';
import { UNACKED, UNACKED_INDEX } from '../keys.js';
import { decodeTaskMessage } from '../protocol/decode.js';
import { MAX_MESSAGE_BYTES } from '../protocol/limits.js';

/** One held message, decoded. */
export interface HeldMessage {
  /** kombu's delivery tag: its key in `unacked`. */
  tag: string;
  id: string | null;
  task: string | null;
  argsrepr: string;
  kwargsrepr: string;
  /** The routing key it was delivered with: with Celery's routing, its queue. */
  queue: string;
  priority: number;
  eta: string | null;
  retries: number;
  origin: string;
  /** When it was claimed, unix seconds (null when the index has no score for it). */
  claimedAt: number | null;
  /** Seconds since it was claimed (null when not known). */
  ageSeconds: number | null;
  /**
   * Claimed longer ago than the visibility timeout: the next sweep of any worker restores it to
   * its queue (and it may run twice if its worker still runs it).
   */
  overdue: boolean;
  /** Why the entry cannot be decoded, or null. */
  problem: string | null;
}

export interface HeldPage {
  /** How many held messages match (of those looked at, when `capped`). */
  total: number;
  messages: HeldMessage[];
  /**
   * A queue was asked for and more claims are held than one look reads (HELD_SCAN_CAP): the
   * oldest claims were looked at, `total` counts the matches among them.
   */
  capped: boolean;
}

export interface HeldQuery {
  /** Only messages delivered with this routing key; every held message when absent. */
  queue?: string;
  offset: number;
  limit: number;
  /** Seconds a claim is kept before a sweep restores it (kombu's default: 3600). */
  visibilityTimeout: number;
  /** unix ms; now by default. */
  now?: number;
}

/** The most claims one look at a queue's held messages reads. */
export const HELD_SCAN_CAP = 10_000;
/** Claims read per round trip while looking for a queue's. */
const SCAN_CHUNK = 500;
/** Longest args or kwargs repr listed; the message view shows it whole. */
const REPR_CUT = 1000;

/**
 * A page of the held messages, oldest claim first: all of them, or one queue's (the oldest
 * HELD_SCAN_CAP claims are looked at).
 */
export async function heldMessages(redis: Redis, q: HeldQuery): Promise<HeldPage> {
  const now = (q.now ?? Date.now()) / 1000;
  if (q.queue === undefined) {
    const [total, scored] = await Promise.all([redis.zcard(UNACKED_INDEX), redis.zrange(UNACKED_INDEX, q.offset, q.offset + q.limit - 1, 'WITHSCORES')]);
    const claims = pairs(scored);
    const entries = claims.length ? await redis.hmget(UNACKED, ...claims.map((c) => c.tag)) : [];
    const messages = claims.flatMap((c, i) => (entries[i] ? [describe(c.tag, entries[i]!, c.at, now, q.visibilityTimeout)] : []));
    return { total, messages, capped: false };
  }
  let total = 0;
  const messages: HeldMessage[] = [];
  let read = 0;
  for (; read < HELD_SCAN_CAP; read += SCAN_CHUNK) {
    const claims = pairs(await redis.zrange(UNACKED_INDEX, read, Math.min(read + SCAN_CHUNK, HELD_SCAN_CAP) - 1, 'WITHSCORES'));
    if (claims.length === 0) break;
    const entries = await redis.hmget(UNACKED, ...claims.map((c) => c.tag));
    claims.forEach((c, i) => {
      const entry = entries[i];
      if (!entry || routingKeyOf(entry) !== q.queue) return;
      if (total >= q.offset && messages.length < q.limit) messages.push(describe(c.tag, entry, c.at, now, q.visibilityTimeout));
      total++;
    });
    if (claims.length < SCAN_CHUNK) break;
  }
  const capped = read >= HELD_SCAN_CAP && (await redis.zcard(UNACKED_INDEX)) > HELD_SCAN_CAP;
  return { total, messages, capped };
}

/** ZRANGE ... WITHSCORES -> tags with their claim time. */
function pairs(flat: string[]): Array<{ tag: string; at: number }> {
  const out: Array<{ tag: string; at: number }> = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ tag: flat[i]!, at: Number(flat[i + 1]) });
  return out;
}

/**
 * The routing key of an `unacked` entry, read from its tail (the entry ends with the exchange
 * and the routing key) without parsing the message; the whole entry when the tail is unusual
 * (null when that entry is too large to parse).
 */
export function routingKeyOf(entry: string): string | null {
  const tail = /,\s*"((?:[^"\\]|\\.)*)"\s*\]\s*$/.exec(entry.slice(-600));
  if (tail) {
    try {
      return JSON.parse(`"${tail[1]}"`) as string;
    } catch {
      // parsed below
    }
  }
  if (entry.length > MAX_MESSAGE_BYTES) return null;
  try {
    const v = JSON.parse(entry) as unknown;
    return Array.isArray(v) && typeof v[2] === 'string' ? v[2] : null;
  } catch {
    return null;
  }
}

function cut(text: string): string {
  return text.length > REPR_CUT ? `${text.slice(0, REPR_CUT)}…` : text;
}

function describe(tag: string, entry: string, at: number, now: number, visibilityTimeout: number): HeldMessage {
  const claimedAt = Number.isFinite(at) ? at : null;
  const ageSeconds = claimedAt === null ? null : Math.max(0, now - claimedAt);
  const base = { tag, claimedAt, ageSeconds, overdue: ageSeconds !== null && ageSeconds > visibilityTimeout };
  const empty = { id: null, task: null, argsrepr: '', kwargsrepr: '', queue: routingKeyOf(entry) ?? '', priority: 0, eta: null, retries: 0, origin: '' };
  if (entry.length > MAX_MESSAGE_BYTES) return { ...base, ...empty, problem: `too_large: the unacked entry is ${entry.length} bytes; the limit is ${MAX_MESSAGE_BYTES}` };
  let envelope: string;
  try {
    const v = JSON.parse(entry) as unknown;
    if (!Array.isArray(v) || typeof v[0] !== 'object' || v[0] === null) return { ...base, ...empty, problem: 'not_an_envelope: the unacked entry is not [envelope, exchange, routing_key]' };
    envelope = JSON.stringify(v[0]);
  } catch {
    return { ...base, ...empty, problem: 'not_json: the unacked entry is not JSON' };
  }
  const r = decodeTaskMessage(envelope);
  if (!r.ok) return { ...base, ...empty, problem: `${r.error.reason}: ${r.error.message}` };
  const m = r.message;
  return {
    ...base, id: m.id, task: m.task, argsrepr: cut(m.argsrepr), kwargsrepr: cut(m.kwargsrepr), queue: empty.queue, priority: m.priority,
    eta: m.eta, retries: m.retries, origin: m.origin, problem: null,
  };
}
