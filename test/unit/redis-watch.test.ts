/** A worker's watch on its Redis connection: a connection that stays open but answers nothing counts as lost. */
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RedisWatch, SILENT_AFTER_MS } from '../../src-main/core/worker/redis-watch.js';

/** A connection whose PINGs are answered only when the test says so. */
class SilentRedis extends EventEmitter {
  status = 'ready';
  pings: Array<() => void> = [];
  ping(): Promise<string> {
    return new Promise((resolve) => this.pings.push(() => resolve('PONG')));
  }
}

function setup(): { redis: SilentRedis; lines: string[]; silent: { count: number }; watch: RedisWatch } {
  const redis = new SilentRedis();
  const lines: string[] = [];
  const log = { warn: (line: string) => lines.push(line) } as unknown as Logger;
  const silent = { count: 0 };
  const watch = new RedisWatch(redis as unknown as Redis, log, 3, () => silent.count++);
  return { redis, lines, silent, watch };
}

describe('the watch on a worker’s Redis connection', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('calls a connection lost once a PING goes unanswered, says so once, and drops the connections', async () => {
    const { redis, lines, silent, watch } = setup();
    await vi.advanceTimersByTimeAsync(1000 + SILENT_AFTER_MS - 1000);
    expect(lines).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[Worker\] lost its connection to Redis \(no answer for 10s\); retrying/);
    expect(silent.count).toBe(1);
    // The dropped connection closes, fails to reconnect a while: nothing more is said.
    redis.status = 'reconnecting';
    redis.emit('close');
    await vi.advanceTimersByTimeAsync(5000);
    expect(lines).toHaveLength(1);
    redis.status = 'ready';
    redis.emit('ready');
    expect(lines[1]).toMatch(/^\[Worker\] reconnected to Redis after 1[56]\.\ds, longer than the visibility timeout \(3s\): claims may have been restored/);
    expect(silent.count).toBe(1);
    watch.stop();
  });

  it('calls nothing lost while PINGs are answered', async () => {
    const { redis, lines, watch } = setup();
    for (let i = 0; i < 30; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      redis.pings.splice(0).forEach((answer) => answer());
    }
    expect(lines).toEqual([]);
    watch.stop();
  });

  it('judges nothing on a probe its own event loop held up (the answer may wait unread behind it)', async () => {
    const { redis, lines, silent, watch } = setup();
    await vi.advanceTimersByTimeAsync(1000); // a PING goes out
    vi.setSystemTime(Date.now() + SILENT_AFTER_MS + 5000); // the loop was busy that long
    await vi.advanceTimersByTimeAsync(1000);
    expect(lines).toEqual([]);
    redis.pings.splice(0).forEach((answer) => answer());
    await vi.advanceTimersByTimeAsync(3000);
    expect(lines).toEqual([]);
    expect(silent.count).toBe(0);
    watch.stop();
  });
});
