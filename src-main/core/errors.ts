/**
 * Celeriac's errors. Each has a stable `name` and `code`; its message says what to change.
 *
 *   CeleriacError
 *   ├── ConfigurationError        bad option or URL given to createApp / the CLI
 *   ├── NotSerializableError      task arguments that cannot cross the wire as JSON
 *   ├── MessageDecodeError        a message on a queue that is not a valid Celery v2 message
 *   ├── TimeoutError              AsyncResult.get() gave up waiting (Celery's name)
 *   ├── BrokerConnectionError     Redis could not be reached or refused us
 *   ├── CanvasError               a chain/group/chord/link that cannot be applied (malformed, too deep)
 *   ├── RemoteTaskError           the task failed (or was revoked) where it ran; `name` is the
 *   │                             remote exception's type, e.g. "ValueError"
 *   ├── Retry                     control flow, not failure: thrown by ctx.retry() to run again later
 *   └── task failures the worker records (names as Celery's, so Python sees the same):
 *       ├── NotRegistered             no task of that name in this worker
 *       ├── TimeLimitExceeded         the hard time limit passed; the child running it was killed
 *       ├── SoftTimeLimitExceeded     the soft limit passed (the task's AbortSignal reason)
 *       ├── MaxRetriesExceededError   ctx.retry() past the task's maxRetries
 *       └── WorkerLostError           the child process running the task died
 */

export class CeleriacError extends Error {
  /** A stable machine-readable code, e.g. `E_NOT_SERIALIZABLE`. */
  readonly code: string;

  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class ConfigurationError extends CeleriacError {
  constructor(message: string) {
    super(message, 'E_CONFIGURATION');
  }
}

/** A canvas (chain, group, chord, link) that cannot be applied: a malformed signature, too deep. */
export class CanvasError extends CeleriacError {
  constructor(message: string) {
    super(message, 'E_CANVAS');
  }
}

export class NotSerializableError extends CeleriacError {
  /** Where in the arguments the offending value is, e.g. `args[1].when`. */
  readonly path: string;

  constructor(path: string, what: string) {
    // A path thousands of levels deep says no more than its two ends.
    const shown = path.length > 120 ? `${path.slice(0, 60)}…${path.slice(-40)}` : path;
    super(
      `${shown} is ${what}, which cannot be sent as JSON. Task arguments must be JSON values ` +
        '(null, booleans, finite numbers, strings, arrays and plain objects); convert it before calling delay().',
      'E_NOT_SERIALIZABLE',
    );
    this.path = path;
  }
}

/** Why a message could not be decoded; stable values, recorded in the dead-letter list. */
export type DecodeErrorReason =
  | 'not_json'
  | 'not_an_envelope'
  | 'unsupported_content_type'
  | 'unsupported_body_encoding'
  | 'body_not_decodable'
  | 'protocol_v1_body'
  | 'invalid_body'
  | 'invalid_headers'
  | 'invalid_properties'
  /** Arguments or headers nested deeper than MAX_NESTING (protocol/limits.ts). */
  | 'too_deep'
  /** A message larger than MAX_MESSAGE_BYTES. */
  | 'too_large'
  /** A content type the worker's `accept` leaves out (Celery's ContentDisallowed). */
  | 'content_disallowed'
  /** A `compression` header Node cannot undo without a native module (bzip2, lzma, zstd). */
  | 'unsupported_compression';

export class MessageDecodeError extends CeleriacError {
  readonly reason: DecodeErrorReason;
  /** The field at fault, e.g. `headers.task`; empty when the whole message is at fault. */
  readonly field: string;

  constructor(reason: DecodeErrorReason, field: string, detail: string) {
    super(field ? `${field}: ${detail}` : detail, 'E_MESSAGE_DECODE');
    this.reason = reason;
    this.field = field;
  }
}

export class TimeoutError extends CeleriacError {
  constructor(taskId: string, timeoutMs: number) {
    super(
      `no result for task ${taskId} within ${timeoutMs} ms. Is a worker consuming its queue? ` +
        'Raise `timeout` or check with `celeriac result <id>`.',
      'E_TIMEOUT',
    );
  }
}

export class BrokerConnectionError extends CeleriacError {
  constructor(message: string, cause?: unknown) {
    super(message, 'E_BROKER_CONNECTION', { cause });
  }
}

/** What Celery stores for an exception (`exc_type`, `exc_message`, `exc_module`). */
export interface ExceptionInfo {
  excType: string;
  excMessage: unknown[];
  excModule: string | null;
}

export class RemoteTaskError extends CeleriacError {
  readonly taskId: string;
  readonly state: string;
  readonly excType: string;
  readonly excModule: string | null;
  readonly excMessage: unknown[];
  /** The remote traceback text (Python's formatted traceback or a JS stack), if stored. */
  readonly traceback: string | null;

  constructor(taskId: string, state: string, info: ExceptionInfo, traceback: string | null) {
    super(formatExcMessage(info.excMessage), 'E_REMOTE_TASK');
    // The remote type is the name users match on, as Python's `get()` re-raises it by type.
    this.name = info.excType;
    this.taskId = taskId;
    this.state = state;
    this.excType = info.excType;
    this.excModule = info.excModule;
    this.excMessage = info.excMessage;
    this.traceback = traceback;
  }
}

/** Python's str(exc): the single argument, or the tuple of arguments. */
function formatExcMessage(args: unknown[]): string {
  if (args.length === 0) return '';
  if (args.length === 1) return typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]);
  return args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(', ');
}

/** Thrown by `ctx.retry()`: the worker re-sends the task (same id, retries + 1) after `countdown`. */
export class Retry extends CeleriacError {
  constructor(
    /** Seconds before the next attempt; undefined means the task's default retry delay. */
    readonly countdown: number | undefined,
    /** The error that caused the retry, stored as the RETRY state's exception. */
    readonly exc: unknown,
  ) {
    super(`Retry in ${countdown ?? 'the default delay'}s${exc instanceof Error ? `: ${exc.name}('${exc.message}')` : ''}`, 'E_RETRY');
  }
}

/** A failure recorded by the worker under Celery's exception name. */
export class TaskFailure extends CeleriacError {
  constructor(name: string, message: string, code: string) {
    super(message, code);
    this.name = name;
  }
}

export const notRegistered = (task: string): TaskFailure =>
  new TaskFailure('NotRegistered', task, 'E_NOT_REGISTERED');
export const timeLimitExceeded = (seconds: number): TaskFailure =>
  new TaskFailure('TimeLimitExceeded', `the task ran past its hard time limit of ${seconds}s and was killed; raise timeLimit or make it faster`, 'E_TIME_LIMIT');
export const softTimeLimitExceeded = (seconds: number): TaskFailure =>
  new TaskFailure('SoftTimeLimitExceeded', `the task ran past its soft time limit of ${seconds}s`, 'E_SOFT_TIME_LIMIT');
export const maxRetriesExceeded = (task: string, max: number): TaskFailure =>
  new TaskFailure('MaxRetriesExceededError', `Can't retry ${task}: it was already retried ${max} times (maxRetries)`, 'E_MAX_RETRIES');
export const workerLost = (detail: string): TaskFailure =>
  new TaskFailure('WorkerLostError', `the child process running the task died: ${detail}`, 'E_WORKER_LOST');
