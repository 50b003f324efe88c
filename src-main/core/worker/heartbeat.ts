import { loadavg, type as osType } from 'node:os';
import type { Redis } from 'ioredis';
import type { EventDispatcher } from '../events/dispatcher.js';
import { WORKERS, WORKERS_INFO } from '../keys.js';
import { packageVersion } from '../version.js';

const VERSION = packageVersion();

/** Celery's heartbeat interval, seconds; monitors call a worker offline after two missed beats. */
export const HEARTBEAT_FREQ = 2;

export interface HeartbeatState {
  active: number;
  processed: number;
  /** Extra facts for the control room (pool, concurrency, queues). */
  info: Record<string, unknown>;
}

/**
 * worker-online, a worker-heartbeat every 2 s and worker-offline, as Celery sends them (with or
 * without -E), plus the worker's entry in `celeriac:workers` for the control room.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly events: EventDispatcher,
    private readonly state: () => HeartbeatState,
  ) {}

  async start(): Promise<void> {
    await this.beat('worker-online');
    this.timer = setInterval(() => void this.beat('worker-heartbeat').catch(() => undefined), HEARTBEAT_FREQ * 1000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beat('worker-offline').catch(() => undefined);
    await this.redis.multi().zrem(WORKERS, this.events.hostname).hdel(WORKERS_INFO, this.events.hostname).exec().catch(() => undefined);
  }

  private async beat(type: string): Promise<void> {
    const { active, processed, info } = this.state();
    const fields = {
      freq: HEARTBEAT_FREQ,
      active,
      processed,
      loadavg: loadavg().map((n) => Math.round(n * 100) / 100),
      sw_ident: 'celeriac',
      sw_ver: VERSION,
      sw_sys: osType(),
    };
    const now = Date.now();
    await Promise.all([
      this.events.sendWorkerEvent(type, fields),
      type === 'worker-offline'
        ? Promise.resolve()
        : this.redis.multi().zadd(WORKERS, now, this.events.hostname).hset(WORKERS_INFO, this.events.hostname, JSON.stringify({ ...info, ...fields, hostname: this.events.hostname, pid: process.pid, heartbeat: now })).exec(),
    ]);
  }
}
