/**
 * How a failed task can be sent again, or exactly why it cannot. A task sent by Celeriac keeps
 * its message while it is failed (its record); a Python task keeps none, so its message is
 * rebuilt from what is known of it, in this order:
 *   1. the result backend's meta, when Celery stores it extended (`result_extended`): name,
 *      args and kwargs as JSON, the queue it was taken from;
 *   2. the task events the history holds: the name, and `argsrepr` / `kwargsrepr`, which are
 *      Celery's saferepr of the producer's arguments, read back as Python literals.
 * The queue comes from the meta or the history, else from the worker that ran it when that
 * worker consumes one queue only.
 *
 * A rebuilt message carries the call only: a task that is part of a workflow (a chain step, a
 * group or chord member) had its links in its message, and a retry without them would not
 * continue the workflow, so it is refused. A revoked task is refused whatever it kept: Celery's
 * workers (and Celeriac's) drop a message whose id they hold revoked, for hours, so the same id
 * would answer "sent" and never run.
 *
 * A repr is refused, never guessed: Celery cuts it at 1,024 characters (and below 3 levels of
 * nesting), leaves backslashes unescaped, prints bytes raw, and prints any other object by its
 * own repr (`<object object at 0x...>`, `datetime.datetime(...)`).
 */
import { MAX_META_BYTES } from '../../core/backend/read-bounds.js';
import type { HistoryTask, CannotRetryCode } from '../contract/types/tasks.js';
import type { ResultMeta } from '../../core/backend/result-meta.js';
import { literalToJson, parsePythonLiteral, PythonLiteralError, type JsonValue, type PyLiteral } from '../../core/protocol/python-literal.js';
import type { TaskRecord } from '../../core/records/task-record.js';

/** Each code said for a group of tasks. */
export const CANNOT_RETRY_LABELS: Record<CannotRetryCode, string> = {
  not_failed: 'did not fail (only failed tasks are sent again)',
  revoked: 'revoked: workers drop its id; send it as a new task',
  workflow: 'part of a workflow: its links were not kept, so a retry would not continue it',
  result_too_large: 'stored result too large to rebuild from',
  unknown_task: 'unknown here: no record, stored result or event of it',
  no_name: 'no task name known',
  no_arguments: 'its arguments were not kept (no extended result, no event with them)',
  arguments_cut: "its arguments' repr was cut by Celery (1,024 characters, 3 levels)",
  not_literal: 'an argument is an object, not a literal (e.g. <object at 0x...>, a datetime)',
  ambiguous: "an argument Celery's repr prints ambiguously (a backslash, bytes)",
  not_json: 'an argument JSON cannot carry (bytes, a set, inf, a huge integer)',
  unreadable: 'its kept message or arguments cannot be read',
  no_queue: 'the queue it came from is not known',
};

/** A task that can be sent again: its stored message, or a call rebuilt from what is known. */
export type RetryPlan =
  | { ok: true; id: string; from: 'message'; message: string }
  | {
      ok: true; id: string; from: 'result meta' | 'events';
      name: string; args: JsonValue[]; kwargs: Record<string, JsonValue>; queue: string;
      retries: number;
    }
  | { ok: false; id: string; code: CannotRetryCode; message: string };

/** What is known of one task. */
export interface RetryFacts {
  id: string;
  record: TaskRecord | null;
  /** The stored result; null when there is none (PENDING) or it was too large to read. */
  meta: ResultMeta | null;
  /** The stored result's size in bytes when it was too large to read (not read); else null. */
  unreadMetaBytes?: number | null;
  history: HistoryTask | null;
  /** The queues the worker that ran it consumes, when it was asked (null: not asked, or no answer). */
  workerQueues: string[] | null;
}

const RETRYABLE = new Set(['FAILURE', 'REJECTED']);
/** Celery's saferepr keeps this many characters of the arguments. */
const CELERY_REPR_MAX = 1024;

const no = (id: string, code: CannotRetryCode, message: string): RetryPlan => ({ ok: false, id, code, message });

/** The plan for one task. */
export function planRetry(f: RetryFacts): RetryPlan {
  const { id, record, meta, history } = f;
  const state = history?.state ?? meta?.status ?? record?.state ?? null;
  const tooLarge = f.unreadMetaBytes ? no(id, 'result_too_large', `its stored result is ${mib(f.unreadMetaBytes)}, over the ${mib(MAX_META_BYTES)} read at most: too large to rebuild from`) : null;
  if (state === null) return tooLarge ?? no(id, 'unknown_task', 'no record, stored result or event of this task is known here');
  if (state === 'REVOKED') {
    return no(id, 'revoked', "it was revoked: workers drop its id (for hours, Celery's with --statedb across restarts), so sent under it again it would not run; send it as a new task");
  }
  if (!RETRYABLE.has(state)) return no(id, 'not_failed', `it is ${state}: only failed tasks are sent again`);
  if (record?.message) return { ok: true, id, from: 'message', message: record.message };
  if (tooLarge) return tooLarge;
  const workflow = workflowOf(f);
  if (workflow) return no(id, 'workflow', `it is part of a workflow (${workflow}): its links were not kept, so a retry would not continue it`);
  const name = str(meta?.name) ?? history?.name ?? record?.name ?? null;
  if (!name) return no(id, 'no_name', 'no event named the task and its result is not extended (result_extended)');

  let args: JsonValue[];
  let kwargs: Record<string, JsonValue>;
  let from: 'result meta' | 'events';
  if (meta && Array.isArray(meta.args) && isObject(meta.kwargs)) {
    from = 'result meta';
    args = meta.args as JsonValue[];
    kwargs = meta.kwargs as Record<string, JsonValue>;
  } else {
    from = 'events';
    if (!history?.args || history.kwargs === null) return no(id, 'no_arguments', 'no event kept its arguments (argsrepr) and its result is not extended (result_extended)');
    const read = readArguments(history.args, history.kwargs);
    if ('code' in read) return no(id, read.code, read.message);
    ({ args, kwargs } = read);
  }

  const queue = str(meta?.queue) ?? history?.queue ?? onlyQueue(f.workerQueues);
  if (!queue) {
    const worker = history?.worker;
    const why = !worker ? 'no worker is known to have run it'
      : f.workerQueues === null ? `its worker ${worker} did not say which queues it consumes`
        : `its worker ${worker} consumes ${f.workerQueues.length} queues (${f.workerQueues.slice(0, 5).join(', ')})`;
    return no(id, 'no_queue', `no event or result says which queue it came from, and ${why}`);
  }
  const retries = (typeof meta?.retries === 'number' ? meta.retries : history?.retries ?? 0) + 1;
  return { ok: true, id, from, name, args, kwargs, queue, retries };
}

/**
 * What says a task is part of a workflow, when something does: a parent (a chain step, or a
 * task another task sent), a root other than itself, a group (a group or chord member).
 * A chain's first step says none of these: its links are in its message alone.
 */
function workflowOf({ id, meta, history }: RetryFacts): string | null {
  const parent = str(meta?.parent_id) ?? str(history?.parent_id);
  if (parent) return `sent after ${parent}`;
  const group = str(meta?.group_id) ?? str(history?.group_id);
  if (group) return `a member of group ${group}`;
  const root = str(meta?.root_id) ?? str(history?.root_id);
  if (root && root !== id) return `under ${root}`;
  return null;
}

/**
 * A task event's `argsrepr` and `kwargsrepr` as JSON arguments.
 * @returns the arguments, or why they cannot be read back
 */
export function readArguments(argsrepr: string, kwargsrepr: string): { args: JsonValue[]; kwargs: Record<string, JsonValue> } | { code: CannotRetryCode; message: string } {
  let args: PyLiteral;
  let kwargs: PyLiteral;
  try {
    args = parsePythonLiteral(argsrepr, { dialect: 'saferepr', maxLength: 64 * 1024 });
    kwargs = parsePythonLiteral(kwargsrepr || '{}', { dialect: 'saferepr', maxLength: 64 * 1024 });
  } catch (err) {
    if (!(err instanceof PythonLiteralError)) throw err;
    const code: CannotRetryCode = err.reason === 'not_literal' ? 'not_literal' : err.reason === 'ambiguous' ? 'ambiguous' : err.reason === 'unsupported' ? 'not_json' : 'unreadable';
    return { code, message: `its arguments' repr cannot be read back: ${err.message}` };
  }
  for (const [repr, value, what] of [[argsrepr, args, 'args'], [kwargsrepr, kwargs, 'kwargs']] as const) {
    const cut = cutIn(value);
    if (cut === 'ellipsis') {
      return {
        code: 'arguments_cut',
        message: repr.length >= CELERY_REPR_MAX
          ? `Celery cut its ${what} repr at ${CELERY_REPR_MAX} characters (it ends in '...'): the rest is not known`
          : `its ${what} nest deeper than the 3 levels Celery's repr prints ('[...]'): the inner values are not known`,
      };
    }
    if (cut === 'string') {
      return { code: 'arguments_cut', message: `a string in its ${what} ends in '...', where Celery cuts long strings: it may be only the start of it` };
    }
  }
  if (args.type !== 'tuple' && args.type !== 'list') return { code: 'unreadable', message: `its args repr is a ${args.type}, not a tuple` };
  if (kwargs.type !== 'dict') return { code: 'unreadable', message: `its kwargs repr is a ${kwargs.type}, not a dict` };
  try {
    return { args: literalToJson(args, 'args') as JsonValue[], kwargs: literalToJson(kwargs, 'kwargs') as Record<string, JsonValue> };
  } catch (err) {
    if (!(err instanceof PythonLiteralError)) throw err;
    return { code: 'not_json', message: err.message };
  }
}

/** Where Celery's repr cut a value: an `...` in it, or a string ending in `...` (a cut string looks so). */
function cutIn(v: PyLiteral): 'ellipsis' | 'string' | null {
  switch (v.type) {
    case 'ellipsis': return 'ellipsis';
    case 'str': return v.value.endsWith('...') ? 'string' : null;
    case 'list': case 'tuple': case 'set': {
      let found: 'ellipsis' | 'string' | null = null;
      for (const item of v.items) {
        const c = cutIn(item);
        if (c === 'ellipsis') return c;
        found ??= c;
      }
      return found;
    }
    case 'dict': {
      let found: 'ellipsis' | 'string' | null = null;
      for (const [k, item] of v.entries) {
        for (const c of [cutIn(k), cutIn(item)]) {
          if (c === 'ellipsis') return c;
          found ??= c;
        }
      }
      return found;
    }
    default: return null;
  }
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) ? 1 : 0)} MiB`;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const onlyQueue = (queues: string[] | null): string | null => (queues?.length === 1 ? queues[0]! : null);
