/**
 * Sends failed tasks again, as Celery's `Task.retry` would: the same id, `retries` + 1, to the
 * queue it came from, a protocol 2 message as core builds it. A task that kept its message is
 * sent from it; a Python task's is rebuilt (retry-plan.ts). The preview says beforehand how many
 * can be sent and why the rest cannot, grouped by reason; the send says the same afterwards.
 * Both read and send a bounded group at a time: a group of failures is up to tens of thousands
 * of tasks, each stored result possibly megabytes of traceback.
 */
import { randomUUID } from 'node:crypto';
import { sizeGroups } from '../../core/backend/read-bounds.js';
import type { App } from '../../core/app.js';
import type { ResultMeta } from '../../core/backend/result-meta.js';
import { CeleriacError } from '../../core/errors.js';
import { decodeTaskMessage } from '../../core/protocol/decode.js';
import type { TaskRecord } from '../../core/records/task-record.js';
import type { HistoryReader } from '../history/history-reader.js';
import { mergedWithSources } from '../history/task-sources.js';
import { CANNOT_RETRY_LABELS, planRetry, type RetryFacts, type RetryPlan } from './retry-plan.js';
import type { HistoryTask, RetryErrorCode, RetryReasonGroup, RetryPreview, RetryOutcome } from '../contract/types/tasks.js';

/** Tasks read and sent at a time, at most (fewer when their stored results are large). */
const CHUNK = 100;
/** Per-task reasons listed at most in an answer (the groups count them all). */
export const MAX_LISTED = 1000;
/** Ids shown per reason group. */
const GROUP_IDS = 20;
/** How long the workers that ran tasks of unknown queue are given to say which queues they consume. */
const QUEUES_TIMEOUT_MS = 1000;

/** What a retry reads besides Redis: the history (Python tasks' events), when there is one. */
export interface RetrySources {
  history?: HistoryReader | null;
}

/**
 * The plans for some tasks, a bounded group at a time: up to CHUNK tasks whose stored results
 * come to at most the backfill's read size (a larger one alone; one over its hard limit is not
 * read and said too large), so a group of tracebacks megabytes long is never all in memory.
 * Each group is planned from the records, stored results, history and (for an unknown queue)
 * the workers that ran them, asked once each.
 */
export async function* planRetries(app: App, ids: readonly string[], sources: RetrySources = {}): AsyncGenerator<RetryPlan[]> {
  const queuesOf = new Map<string, string[] | null>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const [records, sizes] = await Promise.all([Promise.all(chunk.map((id) => app.records.read(id))), app.backend.sizes(chunk)]);
    const recordOf = new Map(chunk.map((id, n) => [id, records[n] ?? null]));
    const unread: Array<[string, number]> = [];
    const groups = sizeGroups(chunk, sizes, (id, bytes) => unread.push([id, bytes]));
    const factsOf = (id: string, meta: ResultMeta | null, unreadMetaBytes: number | null): RetryFacts => ({
      id, record: recordOf.get(id) ?? null, meta: meta?.status === 'PENDING' ? null : meta, unreadMetaBytes, history: asItsPageShows(sources.history, id, recordOf.get(id) ?? null, meta), workerQueues: null,
    });
    for (const group of groups) {
      const metas = await readMetas(app, group);
      yield await planned(app, group.map((id, n) => factsOf(id, metas[n] ?? null, null)), queuesOf);
    }
    if (unread.length > 0) yield await planned(app, unread.map(([id, bytes]) => factsOf(id, null, bytes)), queuesOf);
  }
}

/**
 * A task's history row as its page shows it: with the record and the stored result folded in by
 * the history's rule, so a row the feed has not caught up with yet (still STARTED while the
 * stored result says FAILURE) decides nothing. No row: none (the plan reads the other sources).
 */
function asItsPageShows(history: HistoryReader | null | undefined, id: string, record: TaskRecord | null, meta: ResultMeta | null): HistoryTask | null {
  const row = history?.get(id) ?? null;
  return row ? mergedWithSources(row, id, record, meta?.status === 'PENDING' ? null : meta) : null;
}

/** Plans from facts, asking the workers not asked yet which queues they consume where nothing else says. */
async function planned(app: App, facts: readonly RetryFacts[], queuesOf: Map<string, string[] | null>): Promise<RetryPlan[]> {
  const ask = new Set<string>();
  for (const f of facts) {
    if (f.record?.message || !f.history?.worker || f.history.queue || hasQueue(f.meta) || queuesOf.has(f.history.worker)) continue;
    ask.add(f.history.worker);
  }
  if (ask.size > 0) {
    const replies = await workerQueues(app, ask);
    for (const worker of ask) queuesOf.set(worker, replies.get(worker) ?? null);
  }
  return facts.map((f) => planRetry({ ...f, workerQueues: f.history?.worker ? queuesOf.get(f.history.worker) ?? null : null }));
}

/** Stored metas of a group in one read; one a meta that cannot be parsed (another app's key) reads as none. */
async function readMetas(app: App, ids: readonly string[]): Promise<Array<ResultMeta | null>> {
  try {
    return await app.backend.getMany(ids);
  } catch (err) {
    if (!(err instanceof CeleriacError)) throw err;
    return Promise.all(ids.map((id) => app.backend.get(id).catch((e: unknown) => {
      if (e instanceof CeleriacError) return null;
      throw e;
    })));
  }
}

/** The queues of some workers (one broadcast); those that do not answer are left out. */
export async function workerQueues(app: App, workers: ReadonlySet<string>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  try {
    const replies = await app.control.broadcast('active_queues', {}, { destination: [...workers], timeout: QUEUES_TIMEOUT_MS, limit: workers.size });
    for (const [name, reply] of Object.entries(replies)) {
      if (!Array.isArray(reply)) continue;
      out.set(name, reply.map((q) => (q as { name?: unknown }).name).filter((n): n is string => typeof n === 'string'));
    }
  } catch {
    // No answer: the plans say the queue is not known, and why.
  }
  return out;
}

const hasQueue = (meta: ResultMeta | null): boolean => typeof meta?.queue === 'string' && meta.queue !== '';

/** Says beforehand what a retry of these tasks would send, and why the rest cannot be. */
export async function previewRetries(app: App, ids: readonly string[], sources: RetrySources = {}): Promise<RetryPreview> {
  const from = { message: 0, resultMeta: 0, events: 0 };
  const failed: Array<{ id: string; code: RetryErrorCode; message: string }> = [];
  let sendable = 0;
  for await (const plans of planRetries(app, ids, sources)) {
    for (const p of plans) {
      if (!p.ok) failed.push({ id: p.id, code: p.code, message: p.message });
      else if (p.from === 'message') from.message++;
      else if (p.from === 'result meta') from.resultMeta++;
      else from.events++;
      if (p.ok) sendable++;
    }
  }
  return { sendable, from, notSendable: failed.length, reasons: grouped(failed), errors: failed.slice(0, MAX_LISTED) };
}

/** Sends each task again, a group at a time as it is planned; the ones that cannot be are reported with why. */
export async function retryTasks(app: App, ids: readonly string[], sources: RetrySources = {}): Promise<RetryOutcome> {
  const retried: string[] = [];
  const failed: Array<{ id: string; code: RetryErrorCode; message: string }> = [];
  for await (const plans of planRetries(app, ids, sources)) {
    for (const p of plans) if (!p.ok) failed.push({ id: p.id, code: p.code, message: p.message });
    await Promise.all(plans.filter((p) => p.ok).map((p) => send(app, p).then(
      () => retried.push(p.id),
      (err: unknown) => failed.push({ id: p.id, code: 'send_failed', message: (err as Error).message }),
    )));
  }
  return { retried, notSent: failed.length, reasons: grouped(failed), errors: failed.slice(0, MAX_LISTED) };
}

/**
 * Sends one planned task. Its stored result is cleared first, so it reads PENDING until the new
 * run ends (its earlier runs stay in its attempts).
 */
async function send(app: App, plan: Extract<RetryPlan, { ok: true }>): Promise<void> {
  if (plan.from === 'message') {
    const decoded = decodeTaskMessage(plan.message);
    if (!decoded.ok) throw new Error(`its stored message cannot be decoded: ${decoded.error.message}`);
    const msg = { ...decoded.message, retries: decoded.message.retries + 1, eta: null, deliveryTag: randomUUID(), redelivered: false };
    await app.backend.forget(plan.id);
    await app.publishMessage(msg);
    return;
  }
  await app.backend.forget(plan.id);
  // Not part of a workflow (planRetry refuses those): no parent, group or links to carry.
  await app.sendTask(plan.name, plan.args, plan.kwargs, { taskId: plan.id, queue: plan.queue, retries: plan.retries });
}

function grouped(failed: ReadonlyArray<{ id: string; code: RetryErrorCode }>): RetryReasonGroup[] {
  const groups = new Map<RetryErrorCode, RetryReasonGroup>();
  for (const f of failed) {
    let g = groups.get(f.code);
    if (!g) groups.set(f.code, (g = { code: f.code, label: f.code === 'send_failed' ? 'sending failed' : CANNOT_RETRY_LABELS[f.code], count: 0, ids: [] }));
    g.count++;
    if (g.ids.length < GROUP_IDS) g.ids.push(f.id);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}
