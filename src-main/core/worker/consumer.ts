import type { Redis } from 'ioredis';
import type { Claim, QoS } from '../broker/qos.js';

/**
 * Claims messages in kombu's order while there is room, and otherwise waits for one to arrive
 * without polling: one connection per list blocks in `BLMOVE list list RIGHT RIGHT`, which
 * moves an element onto itself, i.e. waits until the list is not empty and changes nothing.
 * The claim itself stays one atomic script, so waiting can never lose a message.
 */
export class Consumer {
  private readonly peekers = new Map<string, { conn: Redis; pending: Promise<unknown> | null }>();
  private running = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private warnedPeek = false;

  constructor(
    private readonly qos: QoS,
    /** Every list to consume, in order. */
    private readonly lists: string[],
    /** Opens a connection for blocking reads. */
    private readonly open: () => Redis,
    /** How many more messages may be claimed now. */
    private readonly room: () => number,
    private readonly onClaims: (claims: Claim[]) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming; resolves once the loop has ended and the blocking connections are closed. */
  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    for (const p of this.peekers.values()) p.conn.disconnect();
    await this.loop;
  }

  /** Re-checks room now (a task finished). */
  nudge(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const room = this.room();
        if (room <= 0) {
          await this.sleep(1000);
          continue;
        }
        const claims = await this.qos.claim(this.lists, Math.min(room, 100));
        if (claims.length > 0) {
          this.onClaims(claims);
          continue;
        }
        await this.waitForMessages();
      } catch (err) {
        if (!this.running) return;
        this.onError(err);
        await this.sleep(1000);
      }
    }
  }

  private waitForMessages(): Promise<void> {
    const waits = this.lists.map((list) => {
      let p = this.peekers.get(list);
      if (!p) this.peekers.set(list, (p = { conn: this.open(), pending: null }));
      const peeker = p;
      // 1 s timeout: the loop then re-checks that it should still run.
      peeker.pending ??= peeker.conn.blmove(list, list, 'RIGHT', 'RIGHT', 1).finally(() => (peeker.pending = null));
      return peeker.pending;
    });
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      for (const w of waits) {
        w.then(
          () => resolve(),
          (err: unknown) => {
            if (!this.running) return resolve(); // stop() closed the connection
            // BLMOVE needs Redis >= 6.2. Without it (or with the connection down), poll every
            // 100 ms rather than spin: the claim stays atomic either way.
            if (!this.warnedPeek) this.onError(new Error(`waiting with BLMOVE failed (${(err as Error).message}); polling instead`));
            this.warnedPeek = true;
            setTimeout(resolve, 100);
          },
        );
      }
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
