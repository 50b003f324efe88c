/**
 * How long a job may be held behind jobs known to be short: waiting in a busy child's queue
 * (the parent's send-ahead), or behind others run in the same turn before the child reports.
 */
export const SHORT_WAIT_SECONDS = 0.002;

/**
 * Each task name's runtime, as a moving average of what runs reported: the parent decides
 * from it what may be sent ahead to a busy child, a child what may run in the same turn.
 */
export class Runtimes {
  private readonly averages = new Map<string, number>();

  /** Seconds, or undefined for a task not seen yet. */
  get(name: string): number | undefined {
    return this.averages.get(name);
  }

  learn(name: string, seconds: number): void {
    const before = this.averages.get(name);
    // A fifth of each new run: one slow run does not make a short task look long.
    this.averages.set(name, before === undefined ? seconds : before + (seconds - before) * 0.2);
  }
}
