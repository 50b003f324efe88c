/**
 * "Run now" for a message waiting in Celeriac's ETA schedule: it moves to the front of its
 * queue with its eta taken off (else the worker taking it would schedule it again), only if it
 * is still the entry read here (lua/promoteOne-2.lua).
 */
import type { Redis } from 'ioredis';
import { SCHEDULE, SCHEDULE_MESSAGES } from '../keys.js';
import { decodeTaskMessage } from '../protocol/decode.js';
import { encodeTaskMessage } from '../protocol/encode.js';
import { callScript, registerScripts } from '../scripts.js';

/** @returns false when it is no longer scheduled (it ran, or another moved it) */
export async function runScheduledNow(redis: Redis, tag: string): Promise<boolean> {
  registerScripts(redis, new URL('./lua/', import.meta.url));
  const entry = await redis.hget(SCHEDULE_MESSAGES, tag);
  const [, raw] = entry ? (JSON.parse(entry) as [string, string]) : [];
  const decoded = raw ? decodeTaskMessage(raw) : null;
  if (!entry || !decoded?.ok) return false;
  const now = encodeTaskMessage({ ...decoded.message, eta: null });
  return (await callScript<number>(redis, 'promoteOne', [SCHEDULE, SCHEDULE_MESSAGES], [tag, entry, now])) === 1;
}
