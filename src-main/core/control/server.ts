import type { Redis } from 'ioredis';
import { bindingKey, controlChannel, REPLY_EXCHANGE, SEP } from '../keys.js';
import type { Serializer } from '../protocol/serializers.js';
import { decodeControl, encodeControl, selects, type ControlRequest } from './envelope.js';

/** A remote-control command: its arguments in, its reply out (JSON). */
export type ControlHandler = (args: Record<string, unknown>) => unknown;

/**
 * The worker's end of remote control: listens on the pidbox channel and answers the commands
 * it knows, to whoever asked, as a Celery worker does — so `celery inspect`, `celery control`
 * and Flower see Celeriac workers.
 */
export class ControlServer {
  private subscriber: Redis | null = null;
  private clock = 0;

  constructor(
    private readonly redis: Redis,
    private readonly openSubscriber: () => Redis,
    private readonly db: number,
    private readonly node: string,
    private readonly handlers: Record<string, ControlHandler>,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    const sub = this.openSubscriber();
    sub.on('message', (_channel: string, message: string) => void this.handle(message).catch(this.onError));
    await sub.subscribe(controlChannel(this.db));
    this.subscriber = sub;
  }

  stop(): void {
    this.subscriber?.disconnect();
    this.subscriber = null;
  }

  private async handle(raw: string): Promise<void> {
    const decoded = decodeControl(raw);
    const request = decoded?.body as ControlRequest | undefined;
    if (!request || typeof request.method !== 'string' || !selects(request, this.node)) return;
    const handler = this.handlers[request.method];
    let reply: unknown;
    try {
      // As kombu's pidbox: an unknown method is a KeyError, any failure its repr.
      reply = handler ? await handler(request.arguments ?? {}) : { error: `KeyError('${request.method}')` };
    } catch (err) {
      reply = { error: err instanceof Error ? `${err.name}('${err.message}')` : String(err) };
    }
    if (request.reply_to && request.ticket) await this.reply(request, reply, decoded!.serializer);
  }

  /** Pushes `{node: reply}` (in the request's serializer) onto the caller's list, found through the reply exchange's bindings as kombu does. */
  private async reply(request: ControlRequest, reply: unknown, serializer: Serializer): Promise<void> {
    const routingKey = request.reply_to!.routing_key;
    const members = await this.redis.smembers(bindingKey(request.reply_to!.exchange || REPLY_EXCHANGE));
    const queue = members.map((m) => m.split(SEP)).find(([rk]) => rk === routingKey)?.[2];
    if (!queue) return; // the caller is gone (kombu drops the reply the same way)
    const envelope = encodeControl({ [this.node]: reply }, { ticket: request.ticket, clock: ++this.clock }, REPLY_EXCHANGE, routingKey, 1, serializer);
    await this.redis.lpush(queue, envelope);
  }
}
