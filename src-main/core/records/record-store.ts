/**
 * The one owner of Celeriac's task records in Redis (`celeriac:records`, its index by first
 * sight, the attempts lists): written, announced, read and trimmed here. The writes that must
 * be atomic with a message's own (publishing it, finishing a task) are the broker's Lua scripts
 * `publishTask` and `finishTasks`, which take RECORD_KEYS and an announcement made here.
 */
import type { Redis } from 'ioredis';
import { attemptsKey, RECORDS, RECORDS_CHANGED, RECORDS_INDEX } from '../keys.js';
import { callScript, registerScripts } from '../scripts.js';
import { announcement } from './announcements.js';
import { encodeRecord, parseRecord, type Attempt, type TaskRecord } from './task-record.js';

/** The keys a script writing records takes, in this order. */
export const RECORD_KEYS = [RECORDS, RECORDS_INDEX] as const;

/** Records read in one HMGET at most. */
const READ_CHUNK = 1000;

export class TaskRecords {
  constructor(private readonly redis: Redis) {
    registerScripts(redis, new URL('./lua/', import.meta.url));
  }

  /** Writes a record and announces it (a task still running after a moment, a revoked one). */
  async write(record: TaskRecord): Promise<void> {
    await this.redis
      .multi()
      .hset(RECORDS, record.id, encodeRecord(record))
      .zadd(RECORDS_INDEX, 'NX', Date.now(), record.id)
      .publish(RECORDS_CHANGED, announcement(record.id, record.state, record.group))
      .exec();
  }

  /**
   * Writes the records of tasks just sent (each its message, see task-record.ts) and announces
   * them: one HSET, one ZADD and one PUBLISH for them all, written without waiting.
   */
  writeSent(sent: ReadonlyArray<{ id: string; payload: string | Buffer; group: string | null }>): Promise<unknown>[] {
    const fields: (string | Buffer)[] = [];
    const index: (string | number)[] = [];
    const announced: string[] = [];
    const now = Date.now();
    for (const s of sent) {
      fields.push(s.id, s.payload);
      index.push(now, s.id);
      announced.push(announcement(s.id, 'PENDING', s.group));
    }
    return [this.redis.hset(RECORDS, ...fields), this.redis.zadd(RECORDS_INDEX, 'NX', ...index), this.redis.publish(RECORDS_CHANGED, announced.join(','))];
  }

  /** One task's record, or null. */
  async read(id: string): Promise<TaskRecord | null> {
    const stored = await this.redis.hget(RECORDS, id);
    return stored === null ? null : parseRecord(stored);
  }

  /**
   * When a task's record was first written (unix ms): the time it was sent when its producer
   * writes records, else when a worker first wrote it. @returns null when it has no record
   */
  async firstWrittenAt(id: string): Promise<number | null> {
    const score = await this.redis.zscore(RECORDS_INDEX, id);
    return score !== null && Number.isFinite(Number(score)) ? Number(score) : null;
  }

  /** The records of these ids (those that have one), in chunks. */
  async readMany(ids: readonly string[]): Promise<TaskRecord[]> {
    const out: TaskRecord[] = [];
    for (let i = 0; i < ids.length; i += READ_CHUNK) {
      const values = await this.redis.hmget(RECORDS, ...ids.slice(i, i + READ_CHUNK));
      for (const v of values) {
        const record = v === null ? null : parseRecord(v);
        if (record) out.push(record);
      }
    }
    return out;
  }

  /** A task's runs beyond a first success, oldest first. */
  async attempts(id: string): Promise<Attempt[]> {
    return (await this.redis.lrange(attemptsKey(id), 0, -1)).map((a) => JSON.parse(a) as Attempt);
  }

  /**
   * Drops records older than `maxAgeMs` and beyond `cap`, oldest first.
   * @returns how many were dropped
   */
  trim(maxAgeMs: number, cap: number, limit = 10_000): Promise<number> {
    return callScript<number>(this.redis, 'trimRecords', [...RECORD_KEYS], [maxAgeMs > 0 ? Date.now() - maxAgeMs : 0, cap, limit]);
  }
}
