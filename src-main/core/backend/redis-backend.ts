import type { Redis } from 'ioredis';
import { execValues } from '../broker/exec-results.js';
import { chordCountedKey, chordKeys, taskMetaKey, tasksetMetaKey } from '../keys.js';
import { callScript, registerScripts } from '../scripts.js';
import { ScriptResult } from '../script-results.js';
import { resolveSerializer, SERIALIZERS, type Serializer } from '../protocol/serializers.js';
import { decodeStored, encodeResultMeta, encodeStored, parseResultMeta, type ResultMeta } from './result-meta.js';
import { ResultWaiter } from './result-waiter.js';

export interface RedisBackendOptions {
  /** How long results are kept, in seconds; 0 or null keeps them forever. @default 86400 (Celery's result_expires) */
  resultExpires?: number | null;
  /** The result serializer (Celery's result_serializer): json, msgpack or yaml. Reads detect json and msgpack either way. @default json */
  serializer?: string;
}

export const DEFAULT_BACKEND_OPTIONS = { resultExpires: 86_400 } as const;

/**
 * Celery's Redis result backend: `celery-task-meta-<id>` keys holding JSON metas, each write
 * published on the channel of the same name.
 */
export class RedisBackend {
  readonly resultExpires: number;
  /** How metas are written, and read when their first byte does not tell. */
  readonly serializer: Serializer;
  private readonly waiter: ResultWaiter;

  /**
   * @param redis commands connection
   * @param openSubscriber opens a fresh connection for pub/sub (a subscribed connection can do nothing else)
   */
  constructor(private readonly redis: Redis, openSubscriber: () => Redis, options: RedisBackendOptions = {}) {
    this.resultExpires =
      options.resultExpires === undefined ? DEFAULT_BACKEND_OPTIONS.resultExpires : (options.resultExpires ?? 0);
    this.serializer = options.serializer === undefined ? SERIALIZERS.json : resolveSerializer(options.serializer, 'resultSerializer');
    registerScripts(redis, new URL('./lua/', import.meta.url));
    this.waiter = new ResultWaiter(openSubscriber, (id) => this.get(id), (raw, id) => this.parse(raw, id));
  }

  /** The stored meta, or null when there is none (the task is PENDING or its result expired). */
  async get(taskId: string): Promise<ResultMeta | null> {
    const raw = await this.redis.getBuffer(taskMetaKey(taskId));
    return raw === null ? null : this.parse(raw, taskId);
  }

  /** The stored metas of many tasks in one MGET; null where there is none. */
  async getMany(taskIds: readonly string[]): Promise<(ResultMeta | null)[]> {
    if (taskIds.length === 0) return [];
    const raws = await this.redis.mgetBuffer(...taskIds.map(taskMetaKey));
    return raws.map((raw, i) => (raw === null ? null : this.parse(raw, taskIds[i]!)));
  }

  /**
   * The stored metas' sizes in bytes (STRLEN, one round trip; 0 where there is none), so a
   * reader can read large ones alone, or not at all, before any is in memory.
   */
  async sizes(taskIds: readonly string[]): Promise<number[]> {
    if (taskIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of taskIds) pipeline.strlen(taskMetaKey(id));
    return ((await pipeline.exec()) ?? []).map(([err, n]) => (err ? 0 : Number(n)));
  }

  /**
   * Stores a meta and publishes it, unless the task already succeeded (Celery's guard).
   * @returns false when an existing SUCCESS kept the write from happening
   */
  async store(meta: ResultMeta): Promise<boolean> {
    const stored = await callScript<number>(this.redis, 'storeResult', [taskMetaKey(meta.task_id)], [this.encode(meta), this.resultExpires]);
    return stored === ScriptResult.Done;
  }

  /** A meta in this backend's result serializer (JSON text, or msgpack / yaml bytes). */
  encode(meta: ResultMeta): string | Buffer {
    return encodeResultMeta(meta, this.serializer);
  }

  /** A stored or published meta, in whichever serializer wrote it (see detectResultSerializer). */
  parse(raw: string | Buffer, taskId: string): ResultMeta {
    return parseResultMeta(raw, taskId, this.serializer);
  }

  /**
   * A chord header member finished (any final state): adds it to the chord's members, once per
   * task id (a redelivered member that runs again is not counted again, see chordPart-4.lua).
   * Call it before the member's message is acked.
   * @param member [1, task_id, state, result] in the result serializer (encodeStored), as Celery writes it
   * @returns the members in group_index order when the chord is complete (also on a rerun of a
   *   counted member, so a body its killed first run did not send goes out), else null
   */
  async chordPart(groupId: string, groupIndex: number | null, taskId: string, member: string | Buffer): Promise<Buffer[] | null> {
    const keys = chordKeys(groupId);
    const [count, added, size] = await callScript<[number, string | null, string | null, number]>(this.redis, 'chordPart', [...keys, chordCountedKey(groupId)], [groupIndex ?? '+inf', member, this.resultExpires, taskId]);
    // Without a size the body is never sent, as in Python (the sender writes it first).
    if (!size || Number(count) !== Number(size) + Number(added ?? 0)) return null;
    // As bytes: Python's members are in its result serializer (msgpack is not text).
    return this.redis.zrangeBuffer(keys[0], 0, -1);
  }

  /** A value (a chord member, a group's tuple) in this backend's result serializer. */
  encodeValue(value: unknown): string | Buffer {
    return encodeStored(value, this.serializer);
  }

  /** A stored value, in whichever serializer wrote it. */
  decodeValue(raw: string | Buffer): unknown {
    return decodeStored(raw, this.serializer);
  }

  /** Writes a chord's size before its last header message goes out (SETEX + PUBLISH, as Celery). */
  async setChordSize(groupId: string, size: number): Promise<void> {
    const key = chordKeys(groupId)[2];
    execValues(await this.redis.multi().setex(key, this.resultExpires || 86_400, String(size)).publish(key, String(size)).exec());
  }

  /** Deletes a completed chord's keys (Python does it after sending the body). */
  async forgetChord(groupId: string): Promise<void> {
    await this.redis.del(...chordKeys(groupId), chordCountedKey(groupId));
  }

  /** GroupResult.save(): `celery-taskset-meta-<gid>` = {"result": <the group's tuple>}, as Celery writes it. */
  async saveGroup(groupId: string, tuple: unknown): Promise<void> {
    const key = tasksetMetaKey(groupId);
    const json = this.encodeValue({ result: tuple });
    execValues(await this.redis.multi().setex(key, this.resultExpires || 86_400, json).publish(key, json).exec());
  }

  /** GroupResult.restore(): the saved tuple, or null. */
  async restoreGroup(groupId: string): Promise<unknown> {
    const raw = await this.redis.getBuffer(tasksetMetaKey(groupId));
    if (raw === null) return null;
    const parsed = this.decodeValue(raw) as { result?: unknown };
    return parsed.result ?? null;
  }

  /** GroupResult.delete(). */
  async forgetGroup(groupId: string): Promise<void> {
    await this.redis.del(tasksetMetaKey(groupId));
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
