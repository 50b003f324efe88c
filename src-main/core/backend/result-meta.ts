import { CeleriacError, RemoteTaskError, type ExceptionInfo } from '../errors.js';
import { deserialize, serialize, SERIALIZERS, type Serializer } from '../protocol/serializers.js';
import { toNaiveUtcIso } from '../protocol/time.js';
import { EXCEPTION_STATES, PENDING, READY_STATES } from './states.js';

/** The JSON stored at `celery-task-meta-<id>` (Celery's backends/base.py `_get_result_meta`). */
export interface ResultMeta {
  status: string;
  result: unknown;
  traceback: string | null;
  children: unknown[];
  date_done: string | null;
  group_id?: string;
  parent_id?: string;
  /** result_extended fields */
  name?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  worker?: string;
  retries?: number;
  queue?: string;
  task_id: string;
  [extra: string]: unknown;
}

/** Fields a writer may add beside status and result. */
export interface MetaExtras {
  traceback?: string | null;
  children?: unknown[];
  groupId?: string | null;
  parentId?: string | null;
  name?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  worker?: string;
  retries?: number;
  queue?: string;
}

/**
 * Builds a meta object with Celery's keys in Celery's order; `date_done` is set for ready
 * states only, as naive UTC.
 */
export function buildMeta(taskId: string, status: string, result: unknown, extras: MetaExtras = {}, now = new Date()): ResultMeta {
  // Keys added in Celery's order, task_id last: no spreads and no `delete` (the worker builds
  // and serializes one per task; copying objects was a fifth of that).
  const meta: ResultMeta = {
    status,
    result: result === undefined ? null : result,
    traceback: extras.traceback ?? null,
    children: extras.children ?? [],
    date_done: READY_STATES.has(status) ? toNaiveUtcIso(now) : null,
  } as ResultMeta;
  if (extras.groupId) meta.group_id = extras.groupId;
  if (extras.parentId) meta.parent_id = extras.parentId;
  if (extras.name !== undefined) {
    meta.name = extras.name;
    meta.args = extras.args ?? [];
    meta.kwargs = extras.kwargs ?? {};
    meta.worker = extras.worker ?? '';
    meta.retries = extras.retries ?? 0;
    meta.queue = extras.queue ?? '';
  }
  meta.task_id = taskId;
  return meta;
}

/** What an unknown id reads as: PENDING, as in Celery. */
export function pendingMeta(taskId: string): ResultMeta {
  return buildMeta(taskId, PENDING, null);
}

/**
 * A meta as the Redis backend stores it in a result serializer: JSON text (what the Lua
 * scripts and every Celery reader take by default), or msgpack / yaml bytes.
 * @throws Error when the meta cannot be written in that serializer
 */
export function encodeResultMeta(meta: ResultMeta, serializer: Serializer = SERIALIZERS.json): string | Buffer {
  return encodeStored(meta, serializer);
}

/** Any value the Redis backend stores (a meta, a group's tuple, a chord member) in a result serializer. */
export function encodeStored(value: unknown, serializer: Serializer = SERIALIZERS.json): string | Buffer {
  return serializer === SERIALIZERS.json ? JSON.stringify(value) : serialize(serializer, value);
}

/**
 * A stored value back, in whichever serializer wrote it (detectResultSerializer).
 * @throws Error (DeserializeError, SyntaxError) when it is not one
 */
export function decodeStored(raw: string | Buffer, serializer: Serializer = SERIALIZERS.json): unknown {
  const format = detectResultSerializer(raw, serializer);
  if (format === SERIALIZERS.json) return JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  return deserialize(format, typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
}

/**
 * The serializer a stored value was written in. Celery's Redis backend stores no content type:
 * JSON (a `{` or `[`) and msgpack (a map's or an array's first byte) tell themselves apart;
 * anything else is read in the configured serializer.
 */
export function detectResultSerializer(raw: string | Buffer, configured: Serializer = SERIALIZERS.json): Serializer {
  const first = typeof raw === 'string' ? raw.trimStart().charCodeAt(0) : firstNonSpace(raw);
  if (first === 0x7b || first === 0x5b) return SERIALIZERS.json;
  if ((first >= 0x80 && first <= 0x9f) || (first >= 0xdc && first <= 0xdf)) return SERIALIZERS.msgpack;
  return configured;
}

function firstNonSpace(bytes: Buffer): number {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  return -1;
}

/**
 * Parses a stored meta written by Python or Celeriac, in JSON, msgpack or (configured) yaml.
 * Tolerates the minimal form Celery accepts (`{"status", "result", "task_id"}`).
 * @param raw a string only for JSON; msgpack must be read as bytes (GET's Buffer form)
 * @param serializer the result serializer configured, for what cannot be detected
 * @throws CeleriacError (E_RESULT_DECODE) when the value is not a meta object
 */
export function parseResultMeta(raw: string | Buffer, taskId: string, serializer: Serializer = SERIALIZERS.json): ResultMeta {
  let value: unknown;
  const format = detectResultSerializer(raw, serializer);
  try {
    value = decodeStored(raw, format);
  } catch (err) {
    throw new CeleriacError(`the result of task ${taskId} is not ${format.name === 'json' ? 'JSON' : format.name} (${(err as Error).message})`, 'E_RESULT_DECODE');
  }
  if (typeof value !== 'object' || value === null || typeof (value as { status?: unknown }).status !== 'string') {
    throw new CeleriacError(`the result of task ${taskId} has no "status"; it was not written by a Celery result backend`, 'E_RESULT_DECODE');
  }
  const v = value as Partial<ResultMeta>;
  return {
    ...v,
    status: v.status!,
    result: v.result ?? null,
    traceback: typeof v.traceback === 'string' ? v.traceback : null,
    children: Array.isArray(v.children) ? v.children : [],
    date_done: typeof v.date_done === 'string' ? v.date_done : null,
    task_id: typeof v.task_id === 'string' ? v.task_id : taskId,
  };
}

/** Python's built-in exception names: a JS error of one of these names becomes the real Python type. */
const PYTHON_BUILTIN_EXCEPTIONS = new Set([
  'Exception', 'ArithmeticError', 'AssertionError', 'AttributeError', 'ConnectionError', 'EOFError',
  'FileExistsError', 'FileNotFoundError', 'IndexError', 'KeyError', 'LookupError', 'MemoryError',
  'NotImplementedError', 'OSError', 'OverflowError', 'PermissionError', 'RecursionError', 'RuntimeError',
  'TimeoutError', 'TypeError', 'ValueError', 'ZeroDivisionError',
]);

/**
 * A thrown JS value -> Celery's exception description. Python's `get()` re-raises it as the
 * builtin of that name where one exists, else as a class synthesized with that name.
 */
export function exceptionToInfo(err: unknown): ExceptionInfo {
  if (err instanceof RemoteTaskError) {
    return { excType: err.excType, excMessage: err.excMessage, excModule: err.excModule };
  }
  if (err instanceof Error) {
    const excType = err.name && err.name !== 'Error' ? err.name : err.constructor?.name || 'Error';
    return { excType, excMessage: [err.message], excModule: PYTHON_BUILTIN_EXCEPTIONS.has(excType) ? 'builtins' : 'celeriac' };
  }
  return { excType: 'Error', excMessage: [typeof err === 'string' ? err : safeJson(err)], excModule: 'celeriac' };
}

/** ExceptionInfo -> the `result` object Celery stores for FAILURE / RETRY / REVOKED. */
export function infoToResult(info: ExceptionInfo): Record<string, unknown> {
  return { exc_type: info.excType, exc_message: info.excMessage, exc_module: info.excModule };
}

/**
 * The exception stored in a meta, read as data only: nothing named in it is ever imported or
 * called (CVE-2021-23727 was Celery doing so).
 */
export function infoFromResult(result: unknown): ExceptionInfo {
  if (typeof result !== 'object' || result === null) {
    return { excType: 'Exception', excMessage: result === null || result === undefined ? [] : [result], excModule: null };
  }
  const r = result as Record<string, unknown>;
  const msg = r.exc_message;
  return {
    excType: typeof r.exc_type === 'string' && r.exc_type ? r.exc_type : 'Exception',
    excMessage: Array.isArray(msg) ? msg : msg === undefined || msg === null ? [] : [msg],
    excModule: typeof r.exc_module === 'string' ? r.exc_module : null,
  };
}

/** The error that AsyncResult.get() rejects with for a FAILURE or REVOKED meta, else null. */
export function errorFromMeta(meta: ResultMeta): RemoteTaskError | null {
  if (!EXCEPTION_STATES.has(meta.status)) return null;
  return new RemoteTaskError(meta.task_id, meta.status, infoFromResult(meta.result), meta.traceback);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
