/**
 * The periodic entries whose due time has passed: the lowest scores of redbeat's schedule, read
 * a bounded number at a time (watching for late entries reads a few keys, not every entry).
 */
import type { Redis } from 'ioredis';
import { REDBEAT_PREFIX, REDBEAT_SCHEDULE } from '../keys.js';
import { parseEntry, type BeatEntry, type UnreadableEntry } from './beat-store.js';

/**
 * Entries due at or before `dueBefore` (unix ms), the earliest first, at most `limit`; an entry
 * never due again (score -1) is not one.
 */
export async function overdueEntries(redis: Redis, dueBefore: number, limit: number): Promise<Array<BeatEntry | UnreadableEntry>> {
  const keys = await redis.zrangebyscore(REDBEAT_SCHEDULE, 0, Math.floor(dueBefore / 1000), 'WITHSCORES', 'LIMIT', 0, limit);
  if (keys.length === 0) return [];
  const p = redis.pipeline();
  for (let i = 0; i < keys.length; i += 2) p.hmget(keys[i]!, 'definition', 'meta', 'celeriac', 'celeriac_last');
  const read = (await p.exec()) ?? [];
  const out: Array<BeatEntry | UnreadableEntry> = [];
  read.forEach(([err, fields], n) => {
    const key = keys[n * 2]!;
    if (!err && (fields as (string | null)[])[0] !== null) out.push(parseEntry(key.slice(REDBEAT_PREFIX.length), fields as (string | null)[], keys[n * 2 + 1]!));
  });
  return out;
}
