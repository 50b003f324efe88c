/**
 * Every stored result on a Redis (`celery-task-meta-*`), read by SCAN in bounded groups
 * (read-bounds.ts), so Redis is never asked for everything at once and no reply holds more
 * than a group. Metas of any serializer Celery writes are read (parseResultMeta tells).
 */
import type { Redis } from 'ioredis';
import { TASK_META_PREFIX } from '../keys.js';
import { sizeGroups } from './read-bounds.js';
import { parseResultMeta, type ResultMeta } from './result-meta.js';

/** Keys one SCAN asks for. */
const SCAN_COUNT = 500;
/** A key whose task id is longer than this is not a task's result (ids are UUIDs). */
const MAX_ID_LENGTH = 256;

export interface StoredMeta {
  id: string;
  meta: ResultMeta;
}

export interface ResultMetaScanOptions {
  /** Told of each stored result left unread because it is over MAX_META_BYTES (its key, its size). */
  tooLarge?: (key: string, bytes: number) => void;
  /** Checked between SCAN batches: true ends the scan there. */
  shouldStop?: () => boolean;
}

/**
 * The stored results, a group at a time (one MGET's worth; a group may be empty). A key that
 * holds no meta (another app's) is skipped. The event loop is let go between SCAN batches.
 */
export async function* scanResultMetas(redis: Redis, options: ResultMetaScanOptions = {}): AsyncGenerator<StoredMeta[]> {
  const { tooLarge = () => undefined, shouldStop = () => false } = options;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${TASK_META_PREFIX}*`, 'COUNT', SCAN_COUNT);
    cursor = next;
    const wanted = keys.filter((key) => {
      const id = key.slice(TASK_META_PREFIX.length);
      return id !== '' && id.length <= MAX_ID_LENGTH;
    });
    for (const group of await readGroups(redis, wanted, tooLarge)) {
      // As bytes: a result_serializer = msgpack app's metas are not text.
      const values = await redis.mgetBuffer(...group);
      const metas: StoredMeta[] = [];
      group.forEach((key, i) => {
        const raw = values[i];
        if (!raw) return;
        const id = key.slice(TASK_META_PREFIX.length);
        try {
          metas.push({ id, meta: parseResultMeta(raw, id) });
        } catch {
          // not a meta (another app's key): skip it
        }
      });
      yield metas;
    }
    await new Promise((r) => setImmediate(r));
  } while (cursor !== '0' && !shouldStop());
}

/** A SCAN batch's keys in groups by their stored sizes (STRLEN, one round trip). */
async function readGroups(redis: Redis, keys: readonly string[], tooLarge: (key: string, bytes: number) => void): Promise<string[][]> {
  if (keys.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.strlen(key);
  const lengths = ((await pipeline.exec()) ?? []).map(([err, n]) => (err ? 0 : Number(n)));
  return sizeGroups(keys, lengths, tooLarge);
}
