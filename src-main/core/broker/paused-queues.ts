/**
 * Paused queues: a persisted set (`celeriac:paused`) that Celeriac workers honour at once (they
 * watch `celeriac:paused:changed`, and read the set again every few seconds in case a message
 * was missed). A paused queue's messages wait where they are; nothing is moved or lost.
 */
import type { Redis } from 'ioredis';
import { execValues } from './exec-results.js';
import { PAUSED_CHANGED, PAUSED_QUEUES, pausedCancelledKey } from '../keys.js';

/** How often a worker reads the set again, whatever it heard. */
const REREAD_MS = 5000;

export class PausedQueues {
  constructor(private readonly redis: Redis) {}

  async list(): Promise<Set<string>> {
    return new Set(await this.redis.smembers(PAUSED_QUEUES));
  }

  /**
   * Pauses a queue; `cancelledOn` are the workers that know no flag (Python's), to be told
   * cancel_consumer now and add_consumer on resume: remembered with the flag, in one MULTI.
   */
  async pause(queue: string, cancelledOn: readonly string[] = []): Promise<void> {
    const m = this.redis.multi().sadd(PAUSED_QUEUES, queue);
    if (cancelledOn.length > 0) m.sadd(pausedCancelledKey(queue), ...cancelledOn);
    execValues(await m.publish(PAUSED_CHANGED, queue).exec());
  }

  /** @returns the workers told cancel_consumer when it was paused (to be told add_consumer), forgotten now */
  async resume(queue: string): Promise<string[]> {
    const key = pausedCancelledKey(queue);
    const [, told] = execValues(await this.redis.multi().srem(PAUSED_QUEUES, queue).smembers(key).del(key).publish(PAUSED_CHANGED, queue).exec()) as [number, string[]];
    return told;
  }

  /**
   * Calls `onChange` with the paused set now and whenever it changes.
   * @returns stop watching
   */
  async watch(subscriber: Redis, onChange: (paused: Set<string>) => void): Promise<() => void> {
    let last = '';
    const read = async (): Promise<void> => {
      const paused = await this.list();
      const key = [...paused].sort().join('\n');
      if (key !== last) {
        last = key;
        onChange(paused);
      }
    };
    subscriber.on('message', () => void read().catch(() => undefined));
    await subscriber.subscribe(PAUSED_CHANGED);
    await read();
    const timer = setInterval(() => void read().catch(() => undefined), REREAD_MS);
    timer.unref();
    return () => {
      clearInterval(timer);
      subscriber.disconnect();
    };
  }
}
