/**
 * What happened while the control room was away: every stored result, read by core's scan
 * (core/backend/result-meta-scan.ts) in bounded groups, into the history, with a pause between
 * groups so the page stays responsive. With Python's `result_extended` the name, arguments,
 * worker, queue and retries come along.
 */
import type { Redis } from 'ioredis';
import type { HistoryTask } from '../contract/types/tasks.js';
import { scanResultMetas } from '../../core/backend/result-meta-scan.js';
import { infoFromResult, type ResultMeta } from '../../core/backend/result-meta.js';
import { MAX_META_BYTES } from '../../core/backend/read-bounds.js';
import { EXCEPTION_STATES } from '../../core/backend/states.js';
import { pyRepr } from '../../core/protocol/pyrepr.js';
import type { HistoryStore } from './history-store.js';
import type { DropCounter } from '../cluster/drop-counter.js';
import { cutException, cutFields, cutMessage, cutText, SHORT_LIMIT } from './field-cut.js';

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
 * @param shouldStop checked between SCAN batches (the connection is closing)
 * @param drops where results too large to read are counted: the feed's, kept across its runs,
 *   so each reason is logged once and its count said in the feed's status
 */
export async function backfill(redis: Redis, history: HistoryStore, shouldStop: () => boolean, drops: DropCounter): Promise<number> {
  let read = 0;
  const tooLarge = (key: string, n: number): void => drops.count('too-large', `the stored result ${key.slice(0, 300)} of ${n} bytes is over ${MAX_META_BYTES} and was not read`);
  for await (const metas of scanResultMetas(redis, { tooLarge, shouldStop })) {
    const items: Array<{ id: string; state: string; fields: Partial<HistoryTask> }> = [];
    for (const { id, meta } of metas) {
      try {
        items.push({ id, state: cutText(meta.status, SHORT_LIMIT), fields: metaFields(meta) });
      } catch {
        // not a meta the history can read: skip it
      }
    }
    history.applyMany(items);
    read += items.length;
    // Let the page's calls go first between reads.
    await new Promise((r) => setImmediate(r));
  }
  return read;
}
