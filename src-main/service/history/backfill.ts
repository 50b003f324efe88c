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

const BATCH = 500;

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
    exception: info ? `${info.excType}(${info.excMessage.map((m) => pyRepr(m)).join(', ')})` : null,
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
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined)) as Partial<HistoryTask>;
}

/**
 * Reads every stored result into the history. @returns how many were read
 * @param shouldStop checked between batches (the connection is closing)
 */
export async function backfill(redis: Redis, history: HistoryStore, shouldStop: () => boolean = () => false): Promise<number> {
  let cursor = '0';
  let read = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${TASK_META_PREFIX}*`, 'COUNT', BATCH);
    cursor = next;
    if (keys.length > 0) {
      const values = await redis.mget(...keys);
      const items: Array<{ id: string; state: string; fields: Partial<HistoryTask> }> = [];
      keys.forEach((key, i) => {
        const raw = values[i];
        if (!raw) return;
        const id = key.slice(TASK_META_PREFIX.length);
        if (id === '' || id.length > 256) return;
        try {
          const meta = parseResultMeta(raw, id);
          items.push({ id, state: meta.status, fields: metaFields(meta) });
        } catch {
          // not a meta (another app's key): skip it
        }
      });
      history.applyMany(items);
      read += items.length;
    }
    // Let the page's calls go first between batches.
    await new Promise((r) => setImmediate(r));
  } while (cursor !== '0' && !shouldStop());
  return read;
}
