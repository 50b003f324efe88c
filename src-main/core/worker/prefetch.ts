/**
 * How many messages the worker may hold claimed. Celery counts (`prefetch multiplier × slots`),
 * but what other workers care about is time: how long a message this worker claimed waits
 * before it starts, while a worker beside it may be idle. Unless the user fixes the number
 * (`--prefetch`), the limit follows the completion rate so that what it holds would take about
 * `holdSeconds` to work through, and never falls below Celery's count: no-op tasks are claimed
 * in hundreds (one claim script per hundred instead of per few), one-second tasks stay at 4 per
 * slot.
 */
export class Prefetch {
  /** Claimed messages at most, whatever the rate (held claims are memory and Redis entries). */
  static readonly max = 512;
  /** How long the messages held may take to work through, at the current rate. */
  static readonly holdSeconds = 0.05;

  private rate = 0;
  private lastCount = 0;
  private lastTime: number | null = null;

  /**
   * @param base Celery's count (4 per slot), or the user's number
   * @param fixed the user chose the number: it never moves
   */
  constructor(private readonly base: number, private readonly fixed: boolean) {}

  /** The limit now. */
  get limit(): number {
    if (this.fixed) return this.base;
    return Math.min(Prefetch.max, Math.max(this.base, Math.ceil(this.rate * Prefetch.holdSeconds)));
  }

  /**
   * Feeds the count of tasks ended so far; called ten times a second. The rate is a moving
   * average, so a burst of short tasks after long ones raises the limit within a second and a
   * run of long ones lowers it as fast.
   */
  sample(ended: number, now = performance.now()): void {
    if (this.lastTime !== null && now > this.lastTime) {
      const current = ((ended - this.lastCount) * 1000) / (now - this.lastTime);
      this.rate += (current - this.rate) * 0.5;
    }
    this.lastCount = ended;
    this.lastTime = now;
  }
}
