import { pendingMeta, errorFromMeta, type ResultMeta } from './result-meta.js';
import type { RedisBackend } from './redis-backend.js';
import { READY_STATES, SUCCESS } from './states.js';

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
  ) {}

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
