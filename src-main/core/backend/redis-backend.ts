import type { Redis } from 'ioredis';
import { taskMetaKey } from '../keys.js';
import { callScript, registerScripts } from '../scripts.js';
import { parseResultMeta, type ResultMeta } from './result-meta.js';
import { ResultWaiter } from './result-waiter.js';

export interface RedisBackendOptions {
  /** How long results are kept, in seconds; 0 or null keeps them forever. @default 86400 (Celery's result_expires) */
  resultExpires?: number | null;
}

export const DEFAULT_BACKEND_OPTIONS = { resultExpires: 86_400 } as const;

/**
 * Celery's Redis result backend: `celery-task-meta-<id>` keys holding JSON metas, each write
 * published on the channel of the same name.
 */
export class RedisBackend {
  readonly resultExpires: number;
  private readonly waiter: ResultWaiter;

  /**
   * @param redis commands connection
   * @param openSubscriber opens a fresh connection for pub/sub (a subscribed connection can do nothing else)
   */
  constructor(private readonly redis: Redis, openSubscriber: () => Redis, options: RedisBackendOptions = {}) {
    this.resultExpires =
      options.resultExpires === undefined ? DEFAULT_BACKEND_OPTIONS.resultExpires : (options.resultExpires ?? 0);
    registerScripts(redis, new URL('./lua/', import.meta.url));
    this.waiter = new ResultWaiter(openSubscriber, (id) => this.get(id));
  }

  /** The stored meta, or null when there is none (the task is PENDING or its result expired). */
  async get(taskId: string): Promise<ResultMeta | null> {
    const raw = await this.redis.get(taskMetaKey(taskId));
    return raw === null ? null : parseResultMeta(raw, taskId);
  }

  /** The stored metas of many tasks in one MGET; null where there is none. */
  async getMany(taskIds: readonly string[]): Promise<(ResultMeta | null)[]> {
    if (taskIds.length === 0) return [];
    const raws = await this.redis.mget(...taskIds.map(taskMetaKey));
    return raws.map((raw, i) => (raw === null ? null : parseResultMeta(raw, taskIds[i]!)));
  }

  /**
   * Stores a meta and publishes it, unless the task already succeeded (Celery's guard).
   * @returns false when an existing SUCCESS kept the write from happening
   */
  async store(meta: ResultMeta): Promise<boolean> {
    const stored = await callScript<number>(this.redis, 'storeResult', [taskMetaKey(meta.task_id)], [JSON.stringify(meta), this.resultExpires]);
    return stored === 1;
  }

  /** Deletes the result, as AsyncResult.forget() does. */
  async forget(taskId: string): Promise<void> {
    await this.redis.del(taskMetaKey(taskId));
  }

  /** Waits for a ready state through pub/sub; see ResultWaiter.wait. */
  waitFor(taskId: string, timeoutMs?: number, onUpdate?: (meta: ResultMeta) => void): Promise<ResultMeta> {
    return this.waiter.wait(taskId, timeoutMs, onUpdate);
  }

  /** Closes the subscriber connection (the commands connection belongs to the caller). */
  close(): Promise<void> {
    return this.waiter.close();
  }
}
