/**
 * Celeriac's shared ETA schedule as others read it: messages with a future eta wait in
 * `celeriac:schedule` (a ZSET of delivery tags by due time, unix ms) with their entry in
 * `celeriac:schedule:msgs` (JSON `[list, message]`, as Qos.schedule writes it) until a worker
 * moves them to their queue. Listing them, and "run now".
 */
import type { Redis } from 'ioredis';
import { queueOfListKey, SCHEDULE, SCHEDULE_MESSAGES } from '../keys.js';
import { decodeTaskMessage } from '../protocol/decode.js';
import { encodeTaskMessage } from '../protocol/encode.js';
import type { TaskMessage } from '../protocol/types.js';
import { callScript, registerScripts } from '../scripts.js';
import { ScriptResult } from '../script-results.js';

export interface ScheduledEntry {
  tag: string;
  /** The queue it goes to when due ('' when its entry cannot be read). */
  queue: string;
  /** The message, or null when it cannot be decoded. */
  message: TaskMessage | null;
  /** Due, unix ms. */
  eta: number;
}

/** The `[list, message]` entry of a tag, or null. */
function parseEntry(entry: string | null): [string, string] | null {
  if (entry === null) return null;
  try {
    const [list, raw] = JSON.parse(entry) as [unknown, unknown];
    return typeof list === 'string' && typeof raw === 'string' ? [list, raw] : null;
  } catch {
    return null;
  }
}

/** The soonest `limit` waiting, and how many wait in all. */
export async function listScheduledEntries(redis: Redis, limit: number): Promise<{ total: number; entries: ScheduledEntry[] }> {
  const [total, page] = await Promise.all([redis.zcard(SCHEDULE), redis.zrange(SCHEDULE, 0, limit - 1, 'WITHSCORES')]);
  const tags = page.filter((_, i) => i % 2 === 0);
  const stored = tags.length ? await redis.hmget(SCHEDULE_MESSAGES, ...tags) : [];
  const entries = tags.map((tag, i) => {
    const entry = parseEntry(stored[i] ?? null);
    const decoded = entry ? decodeTaskMessage(entry[1]) : null;
    return { tag, queue: entry ? queueOfListKey(entry[0]) : '', message: decoded?.ok ? decoded.message : null, eta: Number(page[i * 2 + 1]) };
  });
  return { total, entries };
}

/** How many wait in all. */
export function countScheduledEntries(redis: Redis): Promise<number> {
  return redis.zcard(SCHEDULE);
}

/**
 * Moves one to the front of its queue now, its eta taken off (else the worker taking it would
 * schedule it again), only if it is still the entry read here (lua/promoteOne-2.lua).
 * @returns false when it is no longer scheduled (it ran, or another moved it)
 */
export async function runScheduledNow(redis: Redis, tag: string): Promise<boolean> {
  registerScripts(redis, new URL('./lua/', import.meta.url));
  const entry = await redis.hget(SCHEDULE_MESSAGES, tag);
  const parsed = parseEntry(entry);
  const decoded = parsed ? decodeTaskMessage(parsed[1]) : null;
  if (!entry || !decoded?.ok) return false;
  const now = encodeTaskMessage({ ...decoded.message, eta: null });
  return (await callScript<number>(redis, 'promoteOne', [SCHEDULE, SCHEDULE_MESSAGES], [tag, entry, now])) === ScriptResult.Done;
}
