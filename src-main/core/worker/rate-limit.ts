/**
 * Rate limits as Celery's worker applies them (Celery's worker/strategy.py): per worker and task name, a
 * token bucket of capacity 1 (kombu's TokenBucket, to the letter: after idle, two run back to
 * back). A limited message stays claimed while it waits (nothing is lost) and holds a prefetch
 * slot, so other tasks overtake it only while the prefetch has room, as in Celery.
 */
import { ConfigurationError } from '../errors.js';

/** Celery's `rate()`: "N/s", "N/m", "N/h" (or a bare N, per second) as tasks per second; 0 for none. */
export function parseRate(rate: string | number | null | undefined): number {
  if (!rate) return 0;
  if (typeof rate === 'number') return rate > 0 ? rate : 0;
  const [ops, , modifier] = /^([^/]*)(\/(.*))?$/.exec(rate)!.slice(1) as [string, string | undefined, string | undefined];
  // Python's float(): digits, a sign, a point, an exponent, inf; with spaces around.
  if (!/^\s*[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?)\s*$/i.test(ops)) {
    throw new ConfigurationError(`could not convert string to float: '${ops}'`);
  }
  const per = { s: 1, m: 60, h: 3600 }[(modifier || 's') as 's' | 'm' | 'h'];
  if (per === undefined) throw new ConfigurationError(`KeyError('${modifier}')`);
  return Number(ops.trim().replace(/^([+-]?)inf(inity)?$/i, '$1Infinity')) / per || 0;
}

/** kombu.utils.limits.TokenBucket. */
export class TokenBucket {
  private tokens: number;
  private timestamp: number;

  constructor(readonly fillRate: number, private readonly capacity = 1, private readonly now: () => number = () => performance.now() / 1000) {
    this.tokens = capacity;
    this.timestamp = now();
  }

  canConsume(tokens = 1): boolean {
    if (tokens <= this.current()) {
      this.tokens -= tokens;
      return true;
    }
    return false;
  }

  /** Seconds until `tokens` can be consumed. */
  expectedTime(tokens = 1): number {
    const have = this.current();
    return (Math.max(tokens, have) - have) / this.fillRate;
  }

  /** Refills only while below capacity: the timestamp is not refreshed when full (kombu's). */
  private current(): number {
    if (this.tokens < this.capacity) {
      const now = this.now();
      this.tokens = Math.min(this.capacity, this.tokens + this.fillRate * (now - this.timestamp));
      this.timestamp = now;
    }
    return this.tokens;
  }
}

interface Bucket {
  bucket: TokenBucket | null;
  waiting: Array<(go: boolean) => void>;
  timer: NodeJS.Timeout | null;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private stopped = false;

  /** @param rateOf a task's limit now ("10/m", null for none): changed live by `control rate_limit` */
  constructor(private readonly rateOf: (task: string) => string | null) {}

  /** Waits for a token of the task's bucket. @returns false when the worker stopped first */
  take(task: string): boolean | Promise<boolean> {
    if (this.stopped) return false;
    let b = this.buckets.get(task);
    if (!b) this.buckets.set(task, (b = { bucket: this.bucketFor(task), waiting: [], timer: null }));
    if (!b.bucket) return true;
    if (b.waiting.length === 0 && b.bucket.canConsume(1)) return true;
    return new Promise<boolean>((resolve) => {
      b.waiting.push(resolve);
      this.drain(b);
    });
  }

  /** The limits changed (Celery's reset_rate_limits): new buckets; who waits keeps its place. */
  reset(): void {
    for (const [task, b] of this.buckets) {
      b.bucket = this.bucketFor(task);
      if (b.timer) clearTimeout(b.timer);
      b.timer = null;
      this.drain(b);
    }
  }

  /** Lets every waiter go without running (the worker hands their claims back). */
  stop(): void {
    this.stopped = true;
    for (const b of this.buckets.values()) {
      if (b.timer) clearTimeout(b.timer);
      for (const resolve of b.waiting.splice(0)) resolve(false);
    }
  }

  private bucketFor(task: string): TokenBucket | null {
    const rate = parseRate(this.rateOf(task));
    return rate > 0 ? new TokenBucket(rate) : null;
  }

  private drain(b: Bucket): void {
    if (b.timer) return;
    while (b.waiting.length > 0 && (!b.bucket || b.bucket.canConsume(1))) b.waiting.shift()!(true);
    if (b.waiting.length === 0 || !b.bucket) return;
    b.timer = setTimeout(() => {
      b.timer = null;
      this.drain(b);
    }, Math.max(1, b.bucket.expectedTime(1) * 1000));
  }
}
