/**
 * What happened while the control room was away: every stored result (`celery-task-meta-*`)
 * read into the history by SCAN, in bounded batches with a pause between them, so the page
 * stays responsive and Redis is never asked for everything at once. With Python's
 * `result_extended` the name, arguments, worker, queue and retries come along.
 */
import type { Redis } from 'ioredis';
import { infoFromResult, parseResultMeta, type ResultMeta } from '../../core/backend/result-meta.js';
import { EXCEPTION_STATES } from '../../core/backend/states.js';
import { TASK_META_PREFIX } from '../../core/keys.js';
import { pyRepr } from '../../core/protocol/pyrepr.js';
import type { HistoryStore, HistoryTask } from './history-store.js';
import type { DropCounter } from '../drop-counter.js';
import { cutException, cutFields, cutMessage, cutText, SHORT_LIMIT } from './field-cut.js';

const BATCH = 500;
/**
 * Bytes of stored results read in one MGET at most: the keys of a SCAN batch are read in
 * groups within it (a result larger than it is read alone), so a reply holds this much, or one
 * result, never a whole batch of large ones.
 */
export const MAX_READ_BYTES = 8 * 1024 * 1024;
/** A stored result larger than this is not read (counted under 'too-large', logged once): no meta Celery writes comes near it. */
export const MAX_META_BYTES = 64 * 1024 * 1024;

/** Celery's naive UTC `date_done` as unix seconds. */
function doneAt(dateDone: unknown): number | null {
  if (typeof dateDone !== 'string') return null;
  const t = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(dateDone) ? dateDone : `${dateDone}Z`);
  return Number.isNaN(t) ? null : t / 1000;
}

const repr = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : pyRepr(v));

/** A stored meta in the history's columns. */
export function metaFields(meta: ResultMeta): Partial<HistoryTask> {
  const failed = EXCEPTION_STATES.has(meta.status);
  const info = failed ? infoFromResult(meta.result) : null;
  const done = doneAt(meta.date_done);
  const fields: Partial<HistoryTask> = {
    result: failed ? null : repr(meta.result),
    // The message cut before its repr: one over the field cut is not copied whole to keep its beginning.
    exception: info ? cutException(`${cutText(String(info.excType), SHORT_LIMIT)}(${info.excMessage.map((m) => pyRepr(typeof m === 'string' ? cutMessage(m) : m)).join(', ')})`) : null,
    traceback: meta.traceback ?? null,
  };
  if (meta.status === 'SUCCESS' && done) fields.succeeded_at = done;
  if (meta.status === 'FAILURE' && done) fields.failed_at = done;
  if (typeof meta.name === 'string') fields.name = meta.name;
  if (meta.args !== undefined) fields.args = repr(meta.args);
  if (meta.kwargs !== undefined) fields.kwargs = repr(meta.kwargs);
  if (typeof meta.worker === 'string' && meta.worker) fields.worker = meta.worker;
  if (typeof meta.queue === 'string' && meta.queue) fields.queue = meta.queue;
  if (typeof meta.retries === 'number') fields.retries = meta.retries;
  if (typeof meta.parent_id === 'string') fields.parent_id = meta.parent_id;
  if (typeof meta.group_id === 'string') fields.group_id = meta.group_id;
  // Strip what is unset: a field the meta lacks must not erase what events said.
  return cutFields(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined)) as Partial<HistoryTask>);
}

/**
 * Reads every stored result into the history. @returns how many were read
 * @param shouldStop checked between batches (the connection is closing)
 * @param drops where results too large to read are counted: the feed's, kept across its runs,
 *   so each reason is logged once and its count said in the feed's status
 */
export async function backfill(redis: Redis, history: HistoryStore, shouldStop: () => boolean, drops: DropCounter): Promise<number> {
  let cursor = '0';
  let read = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${TASK_META_PREFIX}*`, 'COUNT', BATCH);
    cursor = next;
    const wanted = keys.filter((key) => {
      const id = key.slice(TASK_META_PREFIX.length);
      return id !== '' && id.length <= 256;
    });
    for (const group of await readGroups(redis, wanted, drops)) {
      // As bytes: a result_serializer = msgpack app's metas are not text (parseResultMeta tells).
      const values = await redis.mgetBuffer(...group);
      const items: Array<{ id: string; state: string; fields: Partial<HistoryTask> }> = [];
      group.forEach((key, i) => {
        const raw = values[i];
        if (!raw) return;
        const id = key.slice(TASK_META_PREFIX.length);
        try {
          const meta = parseResultMeta(raw, id);
          items.push({ id, state: cutText(meta.status, SHORT_LIMIT), fields: metaFields(meta) });
        } catch {
          // not a meta (another app's key): skip it
        }
      });
      history.applyMany(items);
      read += items.length;
      // Let the page's calls go first between reads.
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setImmediate(r));
  } while (cursor !== '0' && !shouldStop());
  return read;
}

/**
 * A SCAN batch's keys in groups of at most MAX_READ_BYTES of stored text (by STRLEN; one
 * larger result is a group of its own); those over MAX_META_BYTES left out and counted.
 */
async function readGroups(redis: Redis, keys: readonly string[], drops: DropCounter): Promise<string[][]> {
  if (keys.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.strlen(key);
  const lengths = ((await pipeline.exec()) ?? []).map(([err, n]) => (err ? 0 : Number(n)));
  return sizeGroups(keys, lengths, (key, n) => drops.count('too-large', `the stored result ${key.slice(0, 300)} of ${n} bytes is over ${MAX_META_BYTES} and was not read`));
}

/**
 * Stored results in groups of at most MAX_READ_BYTES by their sizes (one larger result is a
 * group of its own), so no one read holds more; those over MAX_META_BYTES are left out and
 * passed to `tooLarge`.
 */
export function sizeGroups<T>(items: readonly T[], sizes: readonly number[], tooLarge: (item: T, bytes: number) => void): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  items.forEach((item, i) => {
    const n = sizes[i] ?? 0;
    if (n > MAX_META_BYTES) {
      tooLarge(item, n);
      return;
    }
    if (group.length > 0 && bytes + n > MAX_READ_BYTES) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(item);
    bytes += n;
  });
  if (group.length > 0) groups.push(group);
  return groups;
}
