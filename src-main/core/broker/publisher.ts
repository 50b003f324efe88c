import type { Redis } from 'ioredis';
import { bindingKey, bindingMember, canvasSentKey, PRIORITY_STEPS, queueListKey, RECORDS_CHANGED } from '../keys.js';
import { announcement } from '../records/announcements.js';
import { RECORD_KEYS, type TaskRecords } from '../records/record-store.js';
import { encodeTaskMessage } from '../protocol/encode.js';
import { TemplateEncoder } from '../protocol/template-encoder.js';
import { callScript, registerScripts } from '../scripts.js';
import { ScriptResult } from '../script-results.js';
import { execValues } from './exec-results.js';
import type { TaskMessage } from '../protocol/types.js';
import { exchangeQueues, fanoutChannel } from '../routing/exchange.js';
import type { ExchangeType } from '../routing/routes.js';

/** How many messages go into one LPUSH of the bulk path: big enough to amortise, small enough not to stall Redis. */
const BULK_CHUNK = 1000;

/** The list a message of this priority goes to: the largest kombu step <= priority. */
export function priorityListKey(queue: string, priority: number): string {
  let step = 0;
  for (const s of PRIORITY_STEPS) if (priority >= s) step = s;
  return queueListKey(queue, step);
}

/** What publishing to a named exchange needs: kombu's fanout channel names the db; an exchange's type is the sender's to know. */
export interface ExchangeRouting {
  db: number;
  exchangeTypeOf(exchange: string): ExchangeType;
}

/**
 * Publishes task messages as kombu does: the queue's binding (once per queue per process, as
 * kombu caches declarations) and an LPUSH onto the priority list, in one round trip.
 */
export class Publisher {
  private readonly declared = new Set<string>();
  private readonly templates = new TemplateEncoder();

  /**
   * @param records where to also write each task's record (`celeriac:records`), in the same
   *   round trip; null: none are written
   */
  constructor(
    private readonly redis: Redis,
    private readonly records: TaskRecords | null = null,
    private readonly routing: ExchangeRouting = { db: 0, exchangeTypeOf: () => 'direct' },
  ) {
    registerScripts(redis, new URL('./lua/', import.meta.url));
  }

  /**
   * Where a message for a named exchange goes: the queues its bindings give, or null for a
   * fanout (one PUBLISH). @throws UnroutableError when no queue is bound with its routing key
   */
  private async exchangeTargets(msg: TaskMessage): Promise<string[] | null> {
    const type = this.routing.exchangeTypeOf(msg.exchange);
    return type === 'fanout' ? null : exchangeQueues(this.redis, msg.exchange, type, msg.routingKey);
  }

  /** Publishes one message (and its record); one round trip; resolves once it is in Redis. */
  async publish(msg: TaskMessage): Promise<void> {
    if (msg.exchange !== '') return this.publishToExchange(msg);
    const queue = msg.routingKey;
    const declare = !this.declared.has(queue);
    const list = priorityListKey(queue, msg.priority);
    const payload = encodeTaskMessage(msg);
    if (this.records) {
      // A pending task's record is its message (see records/task-record.ts): nothing more to encode.
      const args = [payload, declare ? bindingMember(queue, queue) : '', msg.id, Date.now(), RECORDS_CHANGED, announcement(msg.id, 'PENDING', msg.group)];
      await callScript(this.redis, 'publishTask', [bindingKey(queue), list, ...RECORD_KEYS], args);
    } else if (declare) {
      execValues(await this.redis.multi().sadd(bindingKey(queue), bindingMember(queue, queue)).lpush(list, payload).exec());
    } else {
      // The common case is one plain LPUSH, exactly as kombu publishes.
      await this.redis.lpush(list, payload);
    }
    if (declare) this.declared.add(queue);
  }

  /**
   * A message for a named exchange, as kombu's deliver: pushed onto every bound queue's list
   * (its record written with the first), or PUBLISHed on a fanout's channel. Its delivery_info
   * keeps the exchange and routing key, so a restore finds the queue through the same bindings.
   */
  private async publishToExchange(msg: TaskMessage): Promise<void> {
    const payload = encodeTaskMessage(msg);
    const queues = await this.exchangeTargets(msg);
    if (queues === null) {
      await this.redis.publish(fanoutChannel(this.routing.db, msg.exchange, msg.routingKey), payload);
      return;
    }
    const [first, ...rest] = queues as [string, ...string[]];
    const tx = this.redis.multi();
    for (const q of rest) tx.lpush(priorityListKey(q, msg.priority), payload);
    if (this.records) {
      const args = [payload, '', msg.id, Date.now(), RECORDS_CHANGED, announcement(msg.id, 'PENDING', msg.group)];
      await callScript(this.redis, 'publishTask', [bindingKey(first), priorityListKey(first, msg.priority), ...RECORD_KEYS], args);
      if (rest.length) execValues(await tx.exec());
    } else {
      execValues(await tx.lpush(priorityListKey(first, msg.priority), payload).exec());
    }
  }

  /**
   * Publishes a canvas step's message unless one of its task id was published by a canvas
   * step before (publishOnce-3.lua; publishOnceTo-n.lua through a named exchange). @returns false when it had been
   */
  async publishOnce(msg: TaskMessage, guardSeconds = 86_400): Promise<boolean> {
    if (msg.exchange !== '') {
      const queues = await this.exchangeTargets(msg);
      if (queues === null) {
        // A fanout reaches whoever listens now: the guard is taken first, so a rerun sends none again.
        if ((await this.redis.set(canvasSentKey(msg.id), '1', 'EX', guardSeconds, 'NX')) === null) return false;
        await this.redis.publish(fanoutChannel(this.routing.db, msg.exchange, msg.routingKey), encodeTaskMessage(msg));
        return true;
      }
      const lists = queues.map((q) => priorityListKey(q, msg.priority));
      return (await callScript<number>(this.redis, 'publishOnceTo', [canvasSentKey(msg.id), ...lists], [encodeTaskMessage(msg), guardSeconds])) === ScriptResult.Done;
    }
    const queue = msg.routingKey;
    const declare = !this.declared.has(queue);
    const keys = [canvasSentKey(msg.id), bindingKey(queue), priorityListKey(queue, msg.priority)];
    const sent = await callScript<number>(this.redis, 'publishOnce', keys, [encodeTaskMessage(msg), declare ? bindingMember(queue, queue) : '', guardSeconds]);
    if (declare) this.declared.add(queue);
    return sent === ScriptResult.Done;
  }

  /**
   * Encodes a message for publishMany, so a caller can drop the TaskMessage at once: holding
   * thousands of them until the send made garbage collection cost more than the encoding.
   * A Buffer, because ioredis then copies bytes instead of building (and re-scanning) one huge
   * string per command, which is faster end to end (see docs/performance.md).
   */
  prepare(msg: TaskMessage): PreparedMessage {
    return {
      id: msg.id,
      group: msg.group,
      queue: msg.routingKey,
      key: priorityListKey(msg.routingKey, msg.priority),
      payload: Buffer.from(this.templates.encode(msg), 'utf8'),
    };
  }

  /**
   * Publishes prepared messages: one LPUSH per priority list and chunk of BULK_CHUNK messages,
   * so thousands of messages cost a few commands, all written before any reply is awaited.
   * Order within a list is kept. A message's record is written before its LPUSH, on the same
   * connection: a worker that pops it at once must not have its outcome overwritten by PENDING.
   * (A Lua script splitting one joined string was tried: slower.)
   */
  async publishMany(items: Iterable<PreparedMessage>): Promise<void> {
    const pending: Promise<unknown>[] = [];
    const newQueues = new Set<string>();
    const byKey = new Map<string, Buffer[]>();
    const records = this.records;
    let sent: PreparedMessage[] = [];
    const flushRecords = (): void => {
      if (!records || sent.length === 0) return;
      pending.push(...records.writeSent(sent));
      sent = [];
    };
    // Items may be produced lazily: each full chunk is written at once, while the rest is built.
    for (const item of items) {
      if (records) {
        sent.push(item);
        if (sent.length === BULK_CHUNK) flushRecords();
      }
      if (!this.declared.has(item.queue) && !newQueues.has(item.queue)) {
        newQueues.add(item.queue);
        pending.push(this.redis.sadd(bindingKey(item.queue), bindingMember(item.queue, item.queue)));
      }
      let list = byKey.get(item.key);
      if (!list) byKey.set(item.key, (list = []));
      list.push(item.payload);
      if (list.length === BULK_CHUNK) {
        flushRecords();
        pending.push(this.redis.lpush(item.key, ...list));
        byKey.set(item.key, []);
      }
    }
    flushRecords();
    for (const [key, list] of byKey) if (list.length > 0) pending.push(this.redis.lpush(key, ...list));
    // Every command is already on its way; wait for all, then report the first failure.
    const settled = await Promise.allSettled(pending);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const queue of newQueues) this.declared.add(queue);
  }
}

/** A message encoded for publishMany. */
export interface PreparedMessage {
  id: string;
  group: string | null;
  queue: string;
  /** The priority list it goes to. */
  key: string;
  payload: Buffer;
}
