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
  /** Ends the sleep while there is no room (a task ended). */
  private wake: (() => void) | null = null;
  /** Ends the wait for messages (only stop() needs to: a task ending makes none arrive). */
  private wakeWait: (() => void) | null = null;
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
    this.wakeWait?.();
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
        const want = Math.min(room, 100);
        const claims = await this.qos.claim(this.lists, want);
        if (claims.length > 0) this.onClaims(claims);
        // A full batch: there may be more. Fewer: every list was empty a moment ago, so wait
        // for the next message rather than claim again (an empty claim on the same connection
        // would hold up the results of the tasks just claimed).
        if (claims.length === want) continue;
        await this.waitForMessages();
      } catch (err) {
        if (!this.running) return;
        this.onError(err);
        await this.sleep(1000);
      }
    }
  }

  /**
   * Resolves when a list may have a message. A list's BLMOVE stays pending across calls (a
   * message on another list ends the wait first), and wakes whichever wait is current when
   * it returns: handlers added per call to a pending BLMOVE piled up by the thousand.
   */
  private waitForMessages(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wakeWait = resolve;
      for (const list of this.lists) {
        let peeker = this.peekers.get(list);
        if (!peeker) this.peekers.set(list, (peeker = { conn: this.open(), pending: null }));
        if (peeker.pending) continue;
        const p = peeker;
        // Cleared before waking, so that the woken loop's next wait starts a new BLMOVE.
        const wake = (): void => {
          p.pending = null;
          this.wakeWait?.();
        };
        // 1 s timeout: the loop then re-checks that it should still run.
        p.pending = p.conn.blmove(list, list, 'RIGHT', 'RIGHT', 1).then(wake, (err: unknown) => {
          if (!this.running) return wake(); // stop() closed the connection
          // BLMOVE needs Redis >= 6.2. Without it (or with the connection down), poll every
          // 100 ms rather than spin: the claim stays atomic either way.
          if (!this.warnedPeek) this.onError(new Error(`waiting with BLMOVE failed (${(err as Error).message}); polling instead`));
          this.warnedPeek = true;
          setTimeout(wake, 100);
        });
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
