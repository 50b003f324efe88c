/**
 * Sends failed tasks again, as Celery's `Task.retry` would: the same id, `retries` + 1, to the
 * queue it came from, a protocol 2 message as core builds it. A task that kept its message is
 * sent from it; a Python task's is rebuilt (retry-plan.ts). The preview says beforehand how many
 * can be sent and why the rest cannot, grouped by reason; the send says the same afterwards.
 */
import { randomUUID } from 'node:crypto';
import type { App } from '../core/app.js';
import type { ResultMeta } from '../core/backend/result-meta.js';
import { decodeTaskMessage } from '../core/protocol/decode.js';
import type { HistoryStore } from './history/history-store.js';
import { CANNOT_RETRY_LABELS, planRetry, type CannotRetryCode, type RetryFacts, type RetryPlan } from './retry-plan.js';

/** Tasks read and sent at a time. */
const CHUNK = 100;
/** Per-task reasons listed at most in an answer (the groups count them all). */
export const MAX_LISTED = 1000;
/** Ids shown per reason group. */
const GROUP_IDS = 20;
/** How long the workers that ran tasks of unknown queue are given to say which queues they consume. */
const QUEUES_TIMEOUT_MS = 1000;

export type RetryErrorCode = CannotRetryCode | 'send_failed';

/** Tasks that cannot be sent, by reason. */
export interface RetryReasonGroup {
  code: RetryErrorCode;
  label: string;
  count: number;
  /** The first few of them. */
  ids: string[];
}

export interface RetryPreview {
  /** How many can be sent again, and from what. */
  sendable: number;
  from: { message: number; resultMeta: number; events: number };
  notSendable: number;
  reasons: RetryReasonGroup[];
  /** Per task, at most MAX_LISTED. */
  errors: Array<{ id: string; code: RetryErrorCode; message: string }>;
}

export interface RetryOutcome {
  retried: string[];
  notSent: number;
  reasons: RetryReasonGroup[];
  /** Per task, at most MAX_LISTED. */
  errors: Array<{ id: string; code: RetryErrorCode; message: string }>;
}

/** What a retry reads besides Redis: the history (Python tasks' events), when there is one. */
export interface RetrySources {
  history?: HistoryStore | null;
}

/** The plans for some tasks, from their records, stored results, history and (for an unknown queue) their workers. */
export async function planRetries(app: App, ids: readonly string[], sources: RetrySources = {}): Promise<RetryPlan[]> {
  const facts: RetryFacts[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    facts.push(...await Promise.all(ids.slice(i, i + CHUNK).map(async (id): Promise<RetryFacts> => {
      const [record, meta] = await Promise.all([app.records.read(id), app.asyncResult(id).info()]);
      return { id, record, meta: meta.status === 'PENDING' ? null : meta, history: sources.history?.get(id) ?? null, workerQueues: null };
    })));
  }
  const queuesOf = await workerQueues(app, facts);
  return facts.map((f) => planRetry({ ...f, workerQueues: f.history?.worker ? queuesOf.get(f.history.worker) ?? null : null }));
}

/** The queues of the workers that ran tasks whose queue nothing else says (one broadcast). */
async function workerQueues(app: App, facts: readonly RetryFacts[]): Promise<Map<string, string[]>> {
  const workers = new Set<string>();
  for (const f of facts) {
    if (f.record?.message || !f.history?.worker || f.history.queue || hasQueue(f.meta)) continue;
    workers.add(f.history.worker);
  }
  const out = new Map<string, string[]>();
  if (workers.size === 0) return out;
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
  const plans = await planRetries(app, ids, sources);
  const from = { message: 0, resultMeta: 0, events: 0 };
  const failed: Array<{ id: string; code: RetryErrorCode; message: string }> = [];
  for (const p of plans) {
    if (!p.ok) failed.push({ id: p.id, code: p.code, message: p.message });
    else if (p.from === 'message') from.message++;
    else if (p.from === 'result meta') from.resultMeta++;
    else from.events++;
  }
  return { sendable: plans.length - failed.length, from, notSendable: failed.length, reasons: grouped(failed), errors: failed.slice(0, MAX_LISTED) };
}

/** Sends each task again (100 at a time); the ones that cannot be are reported with why. */
export async function retryTasks(app: App, ids: readonly string[], sources: RetrySources = {}): Promise<RetryOutcome> {
  const plans = await planRetries(app, ids, sources);
  const retried: string[] = [];
  const failed: Array<{ id: string; code: RetryErrorCode; message: string }> = [];
  for (const p of plans) if (!p.ok) failed.push({ id: p.id, code: p.code, message: p.message });
  const sendable = plans.filter((p) => p.ok);
  for (let i = 0; i < sendable.length; i += CHUNK) {
    await Promise.all(sendable.slice(i, i + CHUNK).map((p) => send(app, p).then(
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
  await app.sendTask(plan.name, plan.args, plan.kwargs, {
    taskId: plan.id, queue: plan.queue, retries: plan.retries,
    ...(plan.parentId ? { parentId: plan.parentId } : {}), ...(plan.rootId ? { rootId: plan.rootId } : {}), ...(plan.group ? { group: plan.group } : {}),
  });
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
