/**
 * Batches in Redis: a description, the ordered items, and an index by creation time. Each task
 * of a batch also carries the batch id in Celery's `group` header, so any Celery tool sees the
 * group; these keys add what a group lacks (the inputs and outputs, for the batch view).
 */
import type { Redis } from 'ioredis';
import { BATCHES, batchItemsKey, batchKey } from '../keys.js';
import { callScript, registerScripts } from '../scripts.js';

export interface BatchMeta {
  id: string;
  task: string;
  queue: string;
  /** unix ms */
  created: number;
  total: number;
  /** What the user chose, for the view: output folder, name pattern, the other parameters. */
  outputDir?: string;
  pattern?: string;
  values?: Record<string, unknown>;
}

export interface BatchItem {
  /** The task id. */
  id: string;
  input: string;
  output?: string;
}

/** Seven days: long enough to come back to a batch, short enough not to pile up. */
export const BATCH_KEEP_SECONDS = 7 * 86_400;
const CHUNK = 1000;

export class BatchStore {
  constructor(private readonly redis: Redis) {
    registerScripts(redis, new URL('./lua/', import.meta.url));
  }

  /** Writes the items, then makes the batch visible in one atomic step. */
  async create(meta: BatchMeta, items: readonly BatchItem[], keepSeconds = BATCH_KEEP_SECONDS): Promise<void> {
    const itemsKey = batchItemsKey(meta.id);
    const pipe = this.redis.pipeline();
    for (let i = 0; i < items.length; i += CHUNK) pipe.rpush(itemsKey, ...items.slice(i, i + CHUNK).map((it) => JSON.stringify(it)));
    pipe.expire(itemsKey, keepSeconds);
    await pipe.exec();
    await callScript(this.redis, 'publishBatch', [batchKey(meta.id), BATCHES], [meta.id, JSON.stringify(meta), meta.created, keepSeconds]);
  }

  /** The newest batches first. */
  async list(limit = 100): Promise<BatchMeta[]> {
    const ids = await this.redis.zrevrange(BATCHES, 0, limit - 1);
    if (ids.length === 0) return [];
    const metas = await this.redis.mget(ids.map(batchKey));
    return metas.flatMap((m) => (m === null ? [] : [JSON.parse(m) as BatchMeta]));
  }

  async get(id: string): Promise<BatchMeta | null> {
    const m = await this.redis.get(batchKey(id));
    return m === null ? null : (JSON.parse(m) as BatchMeta);
  }

  async items(id: string): Promise<BatchItem[]> {
    const raw = await this.redis.lrange(batchItemsKey(id), 0, -1);
    return raw.map((r) => JSON.parse(r) as BatchItem);
  }
}
