import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  attemptsKey, bindingKey, DEAD_LETTERS, DEAD_LETTERS_DROPPED, RECORDS_CHANGED, SCHEDULE, SCHEDULE_MESSAGES, SEP, taskMetaKey, UNACKED,
  UNACKED_INDEX, UNACKED_MUTEX,
} from '../keys.js';
import { callScript, registerScripts } from '../scripts.js';
import { ScriptResult } from '../script-results.js';
import { announcement } from '../records/announcements.js';
import { RECORD_KEYS } from '../records/record-store.js';
import { encodeRecord, type TaskRecord } from '../records/task-record.js';
import { priorityListKey } from './publisher.js';

/** One message taken from a queue list and tracked in `unacked`. */
export interface Claim {
  /** kombu's delivery tag: the key in `unacked`. Empty for a message dead-lettered on claim. */
  tag: string;
  /** The message exactly as it was on the list. */
  raw: string;
  /** The list it came from. */
  list: string;
}

/** A dead-letter entry, as stored (JSON) in `celeriac:dead`. */
export interface DeadLetter {
  reason: string;
  detail: string;
  raw: string;
  queue: string;
  /** unix seconds */
  time: number;
  worker?: string;
}

/**
 * kombu's acknowledgement emulation, made atomic with Lua: claim, ack, finish (result + ack),
 * dead-letter, schedule (eta), restore and the visibility sweep. Entries in `unacked` are
 * kombu's own, so Python workers and Celeriac workers restore each other's lost messages.
 */
interface PendingFinish {
  tag: string;
  taskId: string;
  /** JSON text, or msgpack / yaml bytes (result_serializer). */
  metaJson: string | Buffer;
  recordJson: string;
  attemptJson: string;
  /** The record's announcement on the change channel ('' without a record). */
  announced: string;
  resolve(ok: boolean): void;
  reject(err: unknown): void;
}

/** Most tasks one finishTasks call ends. */
const FINISH_BATCH = 200;

/**
 * How long a sweep holds `unacked_mutex`: kombu's 300 s, but no longer than the visibility
 * timeout (10 s at least). The lock only outlives a sweep (milliseconds) when its worker dies
 * mid-sweep, and then nobody's claims come back until it expires: with a short visibility
 * timeout, 300 s would hold back the restores that timeout asks for. Restoring is one atomic
 * step per claim, so two sweeps at once restore nothing twice.
 */
export function sweepLockMs(visibilityTimeoutSeconds: number): number {
  return Math.min(300_000, Math.max(10_000, Math.round(visibilityTimeoutSeconds * 1000)));
}

export class QoS {
  private finishing: PendingFinish[] = [];
  private finishExpires = 0;

  constructor(
    private readonly redis: Redis,
    /** How many dead letters are kept. */
    private readonly deadLetterCap = 10_000,
    /** Told when a dead letter pushed the oldest one out of the full list. */
    private readonly onDeadLettersFull?: (cap: number) => void,
  ) {
    registerScripts(redis, new URL('./lua/', import.meta.url));
  }

  /** Claims up to `max` messages from the lists, in the order given. */
  async claim(lists: readonly string[], max: number): Promise<Claim[]> {
    const flat = await callScript<string[]>(this.redis, 'claimMessages', [UNACKED, UNACKED_INDEX, DEAD_LETTERS, DEAD_LETTERS_DROPPED, ...lists], [nowSeconds(), max, this.deadLetterCap]);
    const claims: Claim[] = [];
    for (let i = 0; i < flat.length; i += 3) claims.push({ tag: flat[i]!, raw: flat[i + 1]!, list: flat[i + 2]! });
    return claims;
  }

  /** Ends the blocking commands of these connections (CLIENT UNBLOCK: they return as if timed out). */
  async unblock(clientIds: readonly number[]): Promise<void> {
    if (clientIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of clientIds) pipeline.client('UNBLOCK', id);
    await pipeline.exec();
  }

  /** Acknowledges a claim. @returns false if it was already gone */
  async ack(tag: string): Promise<boolean> {
    return (await callScript<number>(this.redis, 'ackMessage', [UNACKED, UNACKED_INDEX], [tag])) === ScriptResult.Done;
  }

  /**
   * Stores a task's final meta (unless `metaJson` is empty), publishes it, updates its record
   * and attempts (unless empty) and acks, atomically. Tasks that finish in the same turn share
   * one script call: the tasks of one IPC message or one claim end in the same run of
   * microtasks, so the flush waits for that run and no longer. Waiting for the next turn
   * (setImmediate) let other I/O go first and added to every result's latency (see docs/performance.md).
   * @returns false if the claim was already gone
   */
  finish(tag: string, taskId: string, metaJson: string | Buffer, resultExpires: number, record: TaskRecord | null = null, attemptJson = ''): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (this.finishing.length === 0) queueMicrotask(() => this.flushFinishes());
      this.finishExpires = resultExpires;
      const recordJson = record ? encodeRecord(record) : '';
      const announced = record ? announcement(record.id, record.state, record.group) : '';
      this.finishing.push({ tag, taskId, metaJson, recordJson, attemptJson, announced, resolve, reject });
    });
  }

  private flushFinishes(): void {
    const all = this.finishing;
    this.finishing = [];
    for (let i = 0; i < all.length; i += FINISH_BATCH) {
      const batch = all.slice(i, i + FINISH_BATCH);
      const keys = [UNACKED, UNACKED_INDEX, ...RECORD_KEYS];
      const args: (string | number | Buffer)[] = [this.finishExpires, Date.now(), RECORDS_CHANGED];
      for (const f of batch) {
        keys.push(taskMetaKey(f.taskId), attemptsKey(f.taskId));
        args.push(f.tag, f.taskId, f.metaJson, f.recordJson, f.attemptJson, f.announced);
      }
      callScript<number[]>(this.redis, 'finishTasks', keys, args).then(
        (acked) => batch.forEach((f, j) => f.resolve(acked[j] === ScriptResult.Done)),
        (err: unknown) => batch.forEach((f) => f.reject(err)),
      );
    }
  }

  /** The `unacked` entry holding a delivery tag, or null. */
  claimed(tag: string): Promise<string | null> {
    return this.redis.hget(UNACKED, tag);
  }

  /** Moves a claimed message to the dead-letter list with its reason. */
  async deadLetter(tag: string, entry: DeadLetter): Promise<boolean> {
    const moved = await callScript<number>(this.redis, 'deadLetter', [UNACKED, UNACKED_INDEX, DEAD_LETTERS, DEAD_LETTERS_DROPPED], [tag, JSON.stringify(entry), this.deadLetterCap]);
    if (moved === ScriptResult.DeadLettersFull) this.onDeadLettersFull?.(this.deadLetterCap);
    return moved !== ScriptResult.NotDone;
  }

  /** Moves a claimed message with a future eta into the schedule. */
  async schedule(claim: Claim, etaMs: number): Promise<boolean> {
    const entry = JSON.stringify([claim.list, claim.raw]);
    return (await callScript<number>(this.redis, 'scheduleMessage', [UNACKED, UNACKED_INDEX, SCHEDULE, SCHEDULE_MESSAGES], [claim.tag, Math.round(etaMs), entry])) === ScriptResult.Done;
  }

  /** Moves due scheduled messages to their queues. @returns how many, and when the next is due (ms) or null */
  async promoteDue(limit = 1000): Promise<{ moved: number; nextDue: number | null }> {
    const [moved, next] = await callScript<[number, string]>(this.redis, 'promoteDue', [SCHEDULE, SCHEDULE_MESSAGES], [Date.now(), limit]);
    const nextDue = Number(next);
    return { moved, nextDue: nextDue < 0 ? null : nextDue };
  }

  /** Refreshes the claim time of running tasks so no sweep takes them. */
  async touch(tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    const now = nowSeconds();
    await this.redis.zadd(UNACKED_INDEX, 'XX', ...tags.flatMap((t) => [now, t]));
  }

  /**
   * Gives claims back to their queues, marked redelivered and under a new delivery tag, at the
   * front (they are next), as kombu does at shutdown. A claim acked meanwhile is left alone.
   * @returns how many were restored
   */
  async restore(tags: readonly string[]): Promise<number> {
    if (tags.length === 0) return 0;
    const entries = await this.redis.hmget(UNACKED, ...tags);
    let restored = 0;
    for (let i = 0; i < tags.length; i++) {
      const entry = entries[i];
      if (entry && (await this.restoreEntry(tags[i]!, entry))) restored++;
    }
    return restored;
  }

  /**
   * kombu's visibility sweep: restores claims older than the timeout, whoever made them, under
   * `unacked_mutex` (skipped while a Python worker or another of ours holds it).
   * @returns how many were restored, or -1 when the mutex was held
   */
  async sweep(visibilityTimeoutSeconds: number, limit = 1000): Promise<number> {
    const token = randomUUID();
    if ((await callScript<number>(this.redis, 'lockSweep', [UNACKED_MUTEX], [token, sweepLockMs(visibilityTimeoutSeconds)])) !== ScriptResult.Done) return -1;
    try {
      const stale = await this.redis.zrangebyscore(UNACKED_INDEX, '-inf', nowSeconds() - visibilityTimeoutSeconds, 'LIMIT', 0, limit);
      return await this.restore(stale);
    } finally {
      await callScript(this.redis, 'unlockSweep', [UNACKED_MUTEX], [token]);
    }
  }

  private async restoreEntry(tag: string, entry: string): Promise<boolean> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(entry);
    } catch {
      parsed = null;
    }
    if (!Array.isArray(parsed) || typeof parsed[0] !== 'object' || parsed[0] === null) {
      // Not kombu's shape: nothing could run it; keep it for a human instead of losing it.
      await this.deadLetter(tag, { reason: 'invalid_unacked_entry', detail: 'the unacked entry is not [envelope, exchange, routing_key]', raw: entry, queue: '', time: Date.now() / 1000 });
      return false;
    }
    const [env, exchange, routingKey] = parsed as [Record<string, any>, unknown, unknown];
    env.headers = { ...(env.headers ?? {}), redelivered: true };
    env.properties = env.properties ?? {};
    env.properties.delivery_info = { ...(env.properties.delivery_info ?? {}), redelivered: true };
    // A new delivery tag (kombu keeps the old one): the worker that held the claim may still
    // be running the task, cut off from Redis, and its late ack must not take the claim of the
    // worker that runs the message next. Assigned in place, the tag stays the envelope's last key.
    env.properties.delivery_tag = randomUUID();
    const queue = await this.queueFor(String(exchange ?? ''), String(routingKey ?? ''));
    const priority = typeof env.properties.priority === 'number' ? env.properties.priority : 0;
    // Into the message's priority list, as kombu >= 5.3 does (5.2.4 used the base list).
    const list = priorityListKey(queue, Math.min(9, Math.max(0, Math.trunc(priority))));
    return (await callScript<number>(this.redis, 'restoreMessage', [UNACKED, UNACKED_INDEX, list], [tag, entry, JSON.stringify(env), 'front'])) === ScriptResult.Done;
  }

  /** kombu's `_lookup`: the anonymous exchange routes to the queue named by the key. */
  private async queueFor(exchange: string, routingKey: string): Promise<string> {
    if (exchange === '') return routingKey;
    const members = await this.redis.smembers(bindingKey(exchange));
    for (const m of members) {
      const [rk, , queue] = m.split(SEP);
      if (rk === routingKey && queue) return queue;
    }
    return routingKey;
  }
}

function nowSeconds(): number {
  return Date.now() / 1000;
}
