/**
 * A crowd of simulated workers on one Redis, for the bench and the tests: each sends a
 * worker-online, then a worker-heartbeat every `freqS` seconds, as Celery's (`py-celery`) or
 * Celeriac's (which also keeps its entry in `celeriac:workers`) do, and answers the pidbox's
 * `stats`, `active_queues` and `ping` as a worker does: it reads every request on the pidbox
 * channel, and each worker the request selects (all, or those in its `destination`) pushes
 * its reply onto the caller's reply queue. It counts the requests it read and the workers each
 * addressed, so a caller can tell how wide the control room's fan-out was.
 */
import { Redis } from 'ioredis';
import { decodeControl, encodeControl, selects, type ControlRequest } from '../../src-main/core/control/envelope.js';
import { encodeEvent, routingKeyOf } from '../../src-main/core/events/envelope.js';
import { bindingKey, controlChannel, eventChannel, REPLY_EXCHANGE, SEP, WORKERS, WORKERS_INFO } from '../../src-main/core/keys.js';

export interface SimWorker {
  name: string;
  software: 'py-celery' | 'celeriac';
  pid: number;
  pool: string;
  /** What `inspect stats` says of the pool (Celery's class path, or Celeriac's `celeriac:<pool>`). */
  implementation: string;
  concurrency: number;
  queues: string[];
}

export interface WorkerSimOptions {
  url: string;
  /** Workers simulated; even ones Python-shaped, odd ones Celeriac-shaped. */
  count: number;
  /** Heartbeat interval, seconds. @default 2 */
  freqS?: number;
  /** Redis database number (the channels carry it). @default 0 */
  db?: number;
  /** Start of every worker's name. @default 'sim' */
  prefix?: string;
}

/** One read request, and how many simulated workers it addressed. */
export interface SeenRequest {
  method: string;
  /** Null: every worker (no destination). */
  destination: string[] | null;
  addressed: number;
  /** When it was read, unix ms. */
  at: number;
}

/** The workers a simulation runs: names, software, pool and queues, fixed by their index. */
export function simWorkers(count: number, prefix = 'sim'): SimWorker[] {
  return Array.from({ length: count }, (_, i) => {
    const python = i % 2 === 0;
    return {
      name: `${prefix}-${python ? 'py' : 'ts'}-${i}@host${i % 10}`,
      software: python ? 'py-celery' : 'celeriac',
      pid: 10_000 + i,
      pool: python ? 'prefork' : 'process',
      implementation: python ? 'celery.concurrency.prefork:TaskPool' : 'celeriac:process',
      concurrency: 1 + (i % 8),
      queues: i % 3 === 0 ? ['celery', `q${i % 7}`] : [`q${i % 7}`],
    };
  });
}

export class WorkerSim {
  readonly workers: SimWorker[];
  /** Every request read on the pidbox, in order. */
  readonly requests: SeenRequest[] = [];
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly freqS: number;
  private readonly db: number;
  private clock = 0;
  private processed = 0;

  constructor(options: WorkerSimOptions) {
    this.workers = simWorkers(options.count, options.prefix);
    this.freqS = options.freqS ?? 2;
    this.db = options.db ?? 0;
    this.pub = new Redis(options.url);
    this.sub = new Redis(options.url);
  }

  /** Listens on the pidbox, sends every worker-online, then beats, spread evenly over the interval. */
  async start(): Promise<void> {
    this.sub.on('message', (_channel: string, message: string) => void this.answer(message).catch(() => undefined));
    await this.sub.subscribe(controlChannel(this.db));
    await Promise.all(this.workers.map((w) => this.beat(w, 'worker-online')));
    const periodMs = this.freqS * 1000;
    this.workers.forEach((w, i) => {
      const first = setTimeout(() => {
        void this.beat(w, 'worker-heartbeat').catch(() => undefined);
        this.timers.push(setInterval(() => void this.beat(w, 'worker-heartbeat').catch(() => undefined), periodMs));
      }, (i * periodMs) / this.workers.length);
      this.timers.push(first);
    });
  }

  /** Stops beating (the workers go silent, as if gone) and closes its connections. */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.sub.disconnect();
    this.pub.disconnect();
  }

  /** Requests read whose method is one of `methods`. */
  seen(...methods: string[]): SeenRequest[] {
    return this.requests.filter((r) => methods.includes(r.method));
  }

  private async beat(w: SimWorker, type: string): Promise<void> {
    this.processed += 1;
    const event = {
      hostname: w.name, utcoffset: 0, pid: w.pid, clock: ++this.clock, freq: this.freqS,
      active: 0, processed: this.processed, loadavg: [0.5, 0.4, 0.3],
      sw_ident: w.software, sw_ver: w.software === 'celeriac' ? '0.1.0' : '5.2.6', sw_sys: 'Linux',
      timestamp: Date.now() / 1000, type,
    };
    const publish = this.pub.publish(eventChannel(this.db, routingKeyOf(type)), encodeEvent(event, routingKeyOf(type), w.name));
    if (w.software !== 'celeriac') return void (await publish);
    const now = Date.now();
    const info = { pool: w.pool, concurrency: w.concurrency, queues: w.queues, events: true, freq: this.freqS, active: 0, processed: this.processed, sw_ident: 'celeriac', hostname: w.name, pid: w.pid, heartbeat: now };
    await Promise.all([publish, this.pub.multi().zadd(WORKERS, now, w.name).hset(WORKERS_INFO, w.name, JSON.stringify(info)).exec()]);
  }

  /** One pidbox request: counted, then answered by every simulated worker it selects. */
  private async answer(raw: string): Promise<void> {
    const request = decodeControl(raw)?.body as ControlRequest | undefined;
    if (!request || typeof request.method !== 'string') return;
    const chosen = this.workers.filter((w) => selects(request, w.name));
    this.requests.push({ method: request.method, destination: request.destination ?? null, addressed: chosen.length, at: Date.now() });
    if (!request.reply_to || !request.ticket || chosen.length === 0) return;
    const routingKey = request.reply_to.routing_key;
    const members = await this.pub.smembers(bindingKey(request.reply_to.exchange || REPLY_EXCHANGE));
    const queue = members.map((m) => m.split(SEP)).find(([rk]) => rk === routingKey)?.[2];
    if (!queue) return;
    const replies = chosen.map((w) => encodeControl({ [w.name]: this.reply(w, request.method) }, { ticket: request.ticket, clock: ++this.clock }, REPLY_EXCHANGE, routingKey, 1));
    await this.pub.lpush(queue, ...replies);
  }

  private reply(w: SimWorker, method: string): unknown {
    switch (method) {
      case 'ping':
        return { ok: 'pong' };
      case 'stats':
        return { pid: w.pid, pool: { 'max-concurrency': w.concurrency, implementation: w.implementation, processes: [] }, total: {}, sw_ident: w.software };
      case 'active_queues':
        return w.queues.map((name) => ({ name, exchange: { name, type: 'direct' }, routing_key: name }));
      default:
        return { error: `KeyError('${method}')` };
    }
  }
}
