import type { Redis } from 'ioredis';
import { REVOKED } from '../keys.js';
import { REVOKE_EXPIRES_MS } from './client.js';

/** Most revoked ids remembered, as Celery's LimitedSet. */
const MAX_REVOKED = 50_000;

/**
 * The ids a worker must not run: learned from `revoke` broadcasts and, at start-up, from
 * `celeriac:revoked` (Celery keeps them in memory only, so a restarted worker forgets: G18).
 * Each is forgotten after 3 h, as in Celery.
 */
export class Revocations {
  private readonly ids = new Map<string, number>();

  constructor(private readonly redis: Redis) {}

  /** Loads the revocations still in force. */
  async load(): Promise<void> {
    const now = Date.now();
    const stored = await this.redis.zrangebyscore(REVOKED, now, '+inf', 'WITHSCORES', 'LIMIT', 0, MAX_REVOKED);
    for (let i = 0; i < stored.length; i += 2) this.ids.set(stored[i]!, Number(stored[i + 1]));
    await this.redis.zremrangebyscore(REVOKED, '-inf', now);
  }

  add(ids: string[]): void {
    const until = Date.now() + REVOKE_EXPIRES_MS;
    for (const id of ids) this.ids.set(id, until);
    if (this.ids.size > MAX_REVOKED) {
      for (const id of [...this.ids.keys()].slice(0, this.ids.size - MAX_REVOKED)) this.ids.delete(id);
    }
  }

  has(id: string): boolean {
    const until = this.ids.get(id);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.ids.delete(id);
    return false;
  }

  list(): string[] {
    return [...this.ids.keys()].filter((id) => this.has(id));
  }
}
