/**
 * What a reader of outside input refused or cut, counted by reason, each reason logged the
 * first time it happens (a hostile producer sending the same bad message a million times must
 * not write a million log lines), and readable for the connection's status.
 */
export type Log = (line: string) => void;

export class DropCounter {
  private readonly counts = new Map<string, number>();

  /**
   * @param component the `[Component]` prefix of its log lines
   * @param log where the first of each reason is written
   */
  constructor(private readonly component: string, private readonly log: Log = (line) => console.warn(line)) {}

  /** Counts one drop (or cut) for `reason`; the first of a reason is logged with `detail`. */
  count(reason: string, detail: string, n = 1): void {
    const before = this.counts.get(reason) ?? 0;
    this.counts.set(reason, before + n);
    if (before === 0) this.log(`[${this.component}] ${detail} (further ones are counted, not logged)`);
  }

  /** How many of each reason so far. */
  totals(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
