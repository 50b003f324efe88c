import { pendingMeta, errorFromMeta, type ResultMeta } from './result-meta.js';
import type { RedisBackend } from './redis-backend.js';
import { READY_STATES, SUCCESS } from './states.js';
import { toResultTuple, type ResultTuple } from '../canvas/result-tuple.js';
import { GroupResult } from './group-result.js';

/** A result tuple as Celery's result_from_tuple reads it. */
export function resultFromTuple(tuple: ResultTuple | null, backend: RedisBackend): AsyncResult | GroupResult | null {
  if (!tuple) return null;
  const [[id, parent], members] = tuple;
  const parentResult = parent ? resultFromTuple(parent, backend) : null;
  if (members === null) return new AsyncResult(id, backend, parentResult instanceof AsyncResult ? parentResult : null);
  return new GroupResult(id, members.map((m) => resultFromTuple(m, backend)).filter((r): r is AsyncResult => r instanceof AsyncResult), backend);
}

export interface GetOptions {
  /** Give up after this many milliseconds with a TimeoutError. @default wait forever */
  timeout?: number;
  /** Called with each intermediate state seen while waiting (STARTED, PROGRESS, RETRY). */
  onUpdate?: (meta: ResultMeta) => void;
}

/** A handle on a task's result, as Celery's AsyncResult. */
export class AsyncResult<T = unknown> {
  constructor(
    /** The task id. */
    readonly id: string,
    private readonly backend: RedisBackend,
    /** The step before this one in a chain (Celery's `.parent`), when known. */
    readonly parent: AsyncResult | null = null,
  ) {}

  /**
   * What this task sent while it ran (a chain's next step, callbacks, a group it launched), as
   * its stored meta lists them: results, and GroupResults for groups.
   */
  async children(): Promise<Array<AsyncResult | GroupResult>> {
    const meta = await this.backend.get(this.id);
    return (meta?.children ?? []).map((c) => resultFromTuple(toResultTuple(c), this.backend)).filter((r): r is AsyncResult | GroupResult => r !== null);
  }

  /** The whole stored meta; an unknown id reads as PENDING. */
  async info(): Promise<ResultMeta> {
    return (await this.backend.get(this.id)) ?? pendingMeta(this.id);
  }

  /** The task's state: PENDING, STARTED, SUCCESS, FAILURE, RETRY, REVOKED or a custom one. */
  async state(): Promise<string> {
    return (await this.info()).status;
  }

  /** True once the task succeeded, failed or was revoked. */
  async ready(): Promise<boolean> {
    return READY_STATES.has(await this.state());
  }

  /** True if the task succeeded. */
  async successful(): Promise<boolean> {
    return (await this.state()) === SUCCESS;
  }

  /** True if a result is really stored (PENDING can also mean "unknown id"). */
  async exists(): Promise<boolean> {
    return (await this.backend.get(this.id)) !== null;
  }

  /**
   * Waits for the task to finish and returns its return value.
   * @throws RemoteTaskError named after the remote exception type on FAILURE or REVOKED
   * @throws TimeoutError when `timeout` passes first
   */
  async get(options: GetOptions = {}): Promise<T> {
    const meta = await this.backend.waitFor(this.id, options.timeout, options.onUpdate);
    const error = errorFromMeta(meta);
    if (error) throw error;
    return meta.result as T;
  }

  /** Deletes the stored result. */
  async forget(): Promise<void> {
    await this.backend.forget(this.id);
  }

  toString(): string {
    return this.id;
  }

  toJSON(): string {
    return this.id;
  }
}
