import type { Redis } from 'ioredis';
import { bindingKey, bindingMember, PRIORITY_STEPS, queueListKey } from '../keys.js';
import { encodeTaskMessage } from '../protocol/encode.js';
import { execValues } from './exec-results.js';
import type { TaskMessage } from '../protocol/types.js';

/** How many messages go into one LPUSH of the bulk path: big enough to amortise, small enough not to stall Redis. */
const BULK_CHUNK = 1000;

/** The list a message of this priority goes to: the largest kombu step <= priority. */
export function priorityListKey(queue: string, priority: number): string {
  let step = 0;
  for (const s of PRIORITY_STEPS) if (priority >= s) step = s;
  return queueListKey(queue, step);
}

/**
 * Publishes task messages as kombu does: the queue's binding (once per queue per process, as
 * kombu caches declarations) and an LPUSH onto the priority list, in one round trip.
 */
export class Publisher {
  private readonly declared = new Set<string>();

  constructor(private readonly redis: Redis) {}

  /** Publishes one message; resolves once it is in Redis. */
  async publish(msg: TaskMessage): Promise<void> {
    const key = priorityListKey(msg.routingKey, msg.priority);
    const payload = encodeTaskMessage(msg);
    if (this.declared.has(msg.routingKey)) {
      await this.redis.lpush(key, payload);
      return;
    }
    const queue = msg.routingKey;
    const results = await this.redis
      .multi()
      .sadd(bindingKey(queue), bindingMember(queue, queue))
      .lpush(key, payload)
      .exec();
    execValues(results);
    this.declared.add(queue);
  }

  /**
   * Publishes many messages in one pipeline: one LPUSH per priority list and chunk, so
   * thousands of messages cost a few commands. Order within a list is kept.
   */
  async publishMany(msgs: readonly TaskMessage[]): Promise<void> {
    if (msgs.length === 0) return;
    const byKey = new Map<string, string[]>();
    const newQueues = new Set<string>();
    for (const msg of msgs) {
      const key = priorityListKey(msg.routingKey, msg.priority);
      let list = byKey.get(key);
      if (!list) byKey.set(key, (list = []));
      list.push(encodeTaskMessage(msg));
      if (!this.declared.has(msg.routingKey)) newQueues.add(msg.routingKey);
    }
    const pipeline = this.redis.pipeline();
    for (const queue of newQueues) pipeline.sadd(bindingKey(queue), bindingMember(queue, queue));
    for (const [key, payloads] of byKey) {
      for (let i = 0; i < payloads.length; i += BULK_CHUNK) pipeline.lpush(key, ...payloads.slice(i, i + BULK_CHUNK));
    }
    execValues(await pipeline.exec());
    for (const queue of newQueues) this.declared.add(queue);
  }
}
