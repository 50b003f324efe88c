/**
 * Says when a running batch's failures spike: at least `threshold` new failures within the
 * last `windowMs`, said at most once per `quietMs`. Fed the batch's failed count once per push
 * tick; failures that arrive spread over several ticks count together.
 */
export interface SpikeOptions {
  threshold: number;
  windowMs: number;
  quietMs: number;
}

export class FailureSpike {
  /** Per tick within the window: when, and the failed count just BEFORE that tick's changes. */
  private ticks: Array<{ at: number; before: number }> = [];
  private quietUntil = 0;
  private lastFailed = 0;

  constructor(private readonly options: SpikeOptions) {}

  /** The count to seed with, for a batch loaded with failures already (they are not new). */
  seed(failed: number): void {
    this.lastFailed = failed;
  }

  /** The number of new failures in the window when that is a spike worth saying now, else null. */
  observe(now: number, failed: number, finished: boolean): number | null {
    this.ticks = this.ticks.filter((t) => now - t.at <= this.options.windowMs);
    this.ticks.push({ at: now, before: this.lastFailed });
    this.lastFailed = failed;
    const fresh = failed - this.ticks[0]!.before;
    if (fresh < this.options.threshold || now < this.quietUntil || finished) return null;
    this.quietUntil = now + this.options.quietMs;
    return fresh;
  }
}
