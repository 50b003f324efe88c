/**
 * Celeriac workers' own entries (`celeriac:workers`: pool, concurrency, queues), read through
 * core at most once per MAX_AGE_MS however often the lists ask: a view polling every 2 s in
 * several tabs, the Overview and the inspect rounds share one read, and calls that come while
 * a read is on its way wait for that one. Only the newest entries are read, as many as the
 * cluster's table keeps workers: entries of workers killed before they could remove theirs
 * stay in Redis, and the room's memory must not grow with them.
 */
import type { Redis } from 'ioredis';
import { listWorkers, type WorkerInfo } from '../../core/worker/worker-list.js';
import { MAX_WORKERS_IN_MEMORY } from './workers-state.js';

/** How old the entries handed out may be, ms: about half a heartbeat. */
const MAX_AGE_MS = 1000;

export class OwnWorkers {
  private last: Map<string, WorkerInfo> = new Map();
  private readAt = -Infinity;
  private reading: Promise<Map<string, WorkerInfo>> | null = null;

  constructor(private readonly redis: Redis) {}

  /** The entries by name, read afresh when older than MAX_AGE_MS. @throws when Redis cannot be read */
  async get(now = Date.now()): Promise<Map<string, WorkerInfo>> {
    if (now - this.readAt < MAX_AGE_MS) return this.last;
    this.reading ??= listWorkers(this.redis, now, MAX_WORKERS_IN_MEMORY).then(
      (list) => {
        this.last = new Map(list.map((w) => [w.name, w]));
        this.readAt = now;
        this.reading = null;
        return this.last;
      },
      (err: unknown) => {
        this.reading = null;
        throw err;
      },
    );
    return this.reading;
  }

  /** The entries as last read (none before the first read), without asking Redis. */
  latest(): ReadonlyMap<string, WorkerInfo> {
    return this.last;
  }
}
