import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { bindingKey, bindingMember, controlChannel, queueListKeys, REPLY_EXCHANGE, replyQueue, REVOKED } from '../keys.js';
import { decodeControl, encodeControl, type ControlRequest } from './envelope.js';

/** How long a revocation is remembered, as Celery's REVOKE_EXPIRES. */
export const REVOKE_EXPIRES_MS = 3 * 3600 * 1000;

export interface BroadcastOptions {
  /** Only these node names answer. @default every node */
  destination?: string[];
  /** Milliseconds to wait for replies. @default 1000 */
  timeout?: number;
  /** Stop after this many replies. */
  limit?: number;
}

/**
 * Remote control as `celery inspect` / `celery control` do it: publish on the pidbox channel,
 * gather each node's reply from our own reply list until the timeout. Python workers and
 * Celeriac workers both answer.
 */
export class Control {
  constructor(
    private readonly redis: Redis,
    /** A connection for the blocking reads of replies. */
    private readonly openBlocking: () => Redis,
    private readonly db: number,
  ) {}

  /** Sends a command; resolves with `{ node: reply }` for every node that answered. */
  async broadcast(method: string, args: Record<string, unknown> = {}, options: BroadcastOptions = {}): Promise<Record<string, unknown>> {
    const oid = randomUUID();
    const ticket = randomUUID();
    const queue = replyQueue(oid);
    const member = bindingMember(oid, queue);
    const timeout = options.timeout ?? 1000;
    const request: ControlRequest = {
      method, arguments: args, destination: options.destination ?? null, pattern: null, matcher: null,
      ticket, reply_to: { exchange: REPLY_EXCHANGE, routing_key: oid },
    };
    // Without the binding, workers find no reply queue and drop their answers (G14).
    await this.redis.sadd(bindingKey(REPLY_EXCHANGE), member);
    const replies: Record<string, unknown> = {};
    const reader = this.openBlocking();
    try {
      await this.redis.publish(controlChannel(this.db), encodeControl(request, { clock: 1, expires: (Date.now() + timeout) / 1000 }, 'celery.pidbox', '', 2));
      const end = Date.now() + timeout;
      while (Date.now() < end && (options.limit === undefined || Object.keys(replies).length < options.limit)) {
        const left = Math.max(0.01, (end - Date.now()) / 1000);
        const popped = await reader.brpop(...queueListKeys(queue), left);
        if (!popped) break;
        const reply = decodeControl(popped[1]);
        if (!reply || (reply.headers.ticket !== undefined && reply.headers.ticket !== ticket)) continue;
        if (typeof reply.body === 'object' && reply.body !== null) Object.assign(replies, reply.body);
      }
    } finally {
      reader.disconnect();
      await this.redis.multi().srem(bindingKey(REPLY_EXCHANGE), member).del(...queueListKeys(queue)).exec();
    }
    return replies;
  }

  /**
   * Sends a command without asking for replies (a cast, as Flower's `heartbeat` wake-up and
   * `enable_events` are): no ticket, no reply_to.
   */
  async cast(method: string, args: Record<string, unknown> = {}, destination: string[] | null = null): Promise<void> {
    const request: ControlRequest = { method, arguments: args, destination, pattern: null, matcher: null };
    await this.redis.publish(controlChannel(this.db), encodeControl(request, { clock: 1 }, 'celery.pidbox', '', 2));
  }

  /** `celery inspect ping`. */
  ping(options?: BroadcastOptions): Promise<Record<string, unknown>> {
    return this.broadcast('ping', {}, options);
  }

  /**
   * Revokes tasks: they are discarded when a worker next sees them (and, with `terminate`,
   * aborted if running). Remembered in Redis for 3 h, so workers that start later know too.
   */
  async revoke(taskIds: string[], options: BroadcastOptions & { terminate?: boolean } = {}): Promise<Record<string, unknown>> {
    const until = Date.now() + REVOKE_EXPIRES_MS;
    await this.redis.zadd(REVOKED, ...taskIds.flatMap((id) => [until, id]));
    return this.broadcast('revoke', { task_id: taskIds, terminate: options.terminate ?? false, signal: 'SIGTERM' }, options);
  }
}
