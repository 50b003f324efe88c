/**
 * A task's call read back for "Edit and resend": its name, arguments, queue, priority, ETA and
 * wire format, from the same sources and by the same rules as a retry (retry-plan.ts): a
 * Celeriac task's kept message first (its serializer and compression kept), else its record's,
 * extended result's or events' reprs read back as literals, refused with retry-plan's reasons
 * where they cannot be. Unlike a retry it reads any task the room knows, whatever its state: a
 * task that succeeded can be sent again as a new one.
 */
import type { App } from '../../core/app.js';
import { MAX_META_BYTES } from '../../core/backend/read-bounds.js';
import { CeleriacError } from '../../core/errors.js';
import { decodeTaskMessage } from '../../core/protocol/decode.js';
import type { JsonValue } from '../../core/protocol/python-literal.js';
import type { TaskMessage } from '../../core/protocol/types.js';
import type { HistoryReader } from '../history/history-reader.js';
import { mergedWithSources } from '../history/task-sources.js';
import type { ResendRefusal } from '../contract/types/resend.js';
import { readArguments, type RetryFacts } from './retry-plan.js';
import { workerQueues } from './task-retry.js';

/** A task's call as it would be sent again; `args` null when they cannot be known (`argumentsUnknown`). */
export interface ResendCall {
  name: string | null;
  args: JsonValue[] | null;
  kwargs: Record<string, JsonValue> | null;
  from: 'message' | 'result meta' | 'events' | null;
  queue: string | null;
  priority: number;
  eta: string | null;
  /** Its kept message, decoded (a Celeriac task that failed or was revoked); null otherwise. */
  message: TaskMessage | null;
  argumentsUnknown: ResendRefusal | null;
}

/**
 * What is known of one task, as a retry reads it: its record, its stored result (unless over
 * the read limit), its history row with both folded in, and the queues of the worker that ran
 * it when nothing else says its queue.
 */
export async function readFacts(app: App, history: HistoryReader, id: string): Promise<RetryFacts> {
  const [record, [size = 0]] = await Promise.all([app.records.read(id), app.backend.sizes([id])]);
  const tooLarge = size > MAX_META_BYTES;
  const stored = tooLarge ? null : await app.backend.get(id).catch((e: unknown) => {
    if (e instanceof CeleriacError) return null; // another app's key: read as none, as a retry does
    throw e;
  });
  const meta = stored?.status === 'PENDING' ? null : stored;
  const row = history.get(id);
  const merged = row ? mergedWithSources(row, id, record, meta) : null;
  let queues: string[] | null = null;
  const worker = merged?.worker;
  if (!record?.message && worker && !merged.queue && !str(meta?.queue)) queues = (await workerQueues(app, new Set([worker]))).get(worker) ?? null;
  return { id, record, meta, unreadMetaBytes: tooLarge ? size : null, history: merged, workerQueues: queues };
}

/** The call of a task from what is known of it. */
export function callOf(f: RetryFacts): ResendCall {
  const { record, meta, history } = f;
  const kept = record?.message ? decodeTaskMessage(record.message) : null;
  if (kept?.ok) {
    const m = kept.message;
    return {
      name: m.task, args: m.args as JsonValue[], kwargs: m.kwargs as Record<string, JsonValue>, from: 'message',
      queue: record!.queue || m.routingKey, priority: m.priority, eta: m.eta, message: m, argumentsUnknown: null,
    };
  }
  const name = str(meta?.name) ?? history?.name ?? record?.name ?? null;
  const queue = str(meta?.queue) ?? history?.queue ?? record?.queue ?? onlyQueue(f.workerQueues);
  const base = { name, queue, priority: record?.priority ?? 0, eta: history?.eta ?? record?.eta ?? null, message: null };
  const unknown = (code: ResendRefusal['code'], message: string): ResendCall => ({ ...base, args: null, kwargs: null, from: null, argumentsUnknown: { code, message } });
  if (!meta && !history && !record) {
    return unknown(f.unreadMetaBytes ? 'result_too_large' : 'unknown_task', f.unreadMetaBytes ? 'its stored result is too large to read its arguments from' : 'no record, stored result or event of this task is known here');
  }
  if (kept && !kept.ok) return unknown('unreadable', `its kept message cannot be decoded: ${kept.error.message}`);
  if (meta && Array.isArray(meta.args) && isObject(meta.kwargs)) {
    return { ...base, args: meta.args as JsonValue[], kwargs: meta.kwargs as Record<string, JsonValue>, from: 'result meta', argumentsUnknown: null };
  }
  const argsrepr = history?.args ?? record?.argsrepr ?? null;
  const kwargsrepr = history?.kwargs ?? record?.kwargsrepr ?? null;
  if (argsrepr === null || kwargsrepr === null) {
    return unknown('no_arguments', 'no event kept its arguments (argsrepr) and its result is not extended (result_extended): type them');
  }
  const read = readArguments(argsrepr, kwargsrepr);
  if ('code' in read) return unknown(read.code, read.message);
  return { ...base, args: read.args, kwargs: read.kwargs, from: 'events', argumentsUnknown: null };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const onlyQueue = (queues: string[] | null): string | null => (queues?.length === 1 ? queues[0]! : null);
