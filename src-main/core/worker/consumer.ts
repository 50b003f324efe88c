import type { Redis } from 'ioredis';
import type { Inbox } from '../broker/inbox.js';
import type { Claim, QoS } from '../broker/qos.js';

/** The message a wait ended with: already in this worker's inbox. */
interface Arrival {
  list: string;
  raw: string;
}

/**
 * A connection that waits on one queue list and moves its messages into the worker's inbox
 * (BLMOVE), and its id in Redis (CLIENT ID; it changes on a reconnect).
 */
interface InboxMover {
  conn: Redis;
  pending: Promise<unknown> | null;
  clientId: number | null;
}

/** kombu's delivery tag is the envelope's last key: read from the tail, as the claim script does. */
const TAG_AT_END = /"delivery_tag":\s*"([^"\\]+)"\s*}\s*}\s*$/;

/**
 * Claims messages in kombu's order while there is room, and otherwise waits for one to arrive
 * without polling: one connection per list blocks in `BLMOVE list <inbox> RIGHT LEFT`, which
 * moves the message it wakes for into this worker's inbox (see Inbox). The claim stays one
 * atomic script, which takes the inboxes first: waiting can never lose a message.
 */
export class Consumer {
  private readonly inboxMovers = new Map<string, InboxMover>();
  private running = false;
  /** Ends the sleep while there is no room (a task ended). */
  private wake: (() => void) | null = null;
  /** Ends the wait for messages (only stop() needs to: a task ending makes none arrive). */
  private wakeWait: ((arrival: Arrival | null) => void) | null = null;
  private loop: Promise<void> | null = null;
  private warnedBlockingMove = false;

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
    private readonly inbox: Inbox,
  ) {
    this.claimOrder = [...lists.map((l) => inbox.keyOf(l)), ...lists];
  }

  /** The inboxes first (what a wait moved there is this worker's already), then the lists. */
  private readonly claimOrder: string[];

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Stops claiming; resolves once the loop has ended and Redis has closed the waiting
   * connections. Only then may the worker hand its inbox back: a BLMOVE still blocked would
   * take a message pushed back onto its list straight into the inbox again. So each wait is
   * ended from the main connection (CLIENT UNBLOCK), and each connection QUITs: Redis answers
   * QUIT after whatever the connection sent before it (a BLMOVE on its way: 1 s at most).
   */
  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    this.wakeWait?.(null);
    const inboxMovers = [...this.inboxMovers.values()];
    await this.qos.unblock(inboxMovers.flatMap((p) => (p.clientId === null ? [] : [p.clientId]))).catch(() => undefined);
    await Promise.all(inboxMovers.map(async (p) => {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise((resolve) => (timer = setTimeout(resolve, 3000)));
      await Promise.race([p.conn.quit().catch(() => undefined), gaveUp]);
      clearTimeout(timer);
      p.conn.disconnect();
    }));
    await this.loop;
  }

  /** Re-checks room now (a task finished). */
  nudge(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async run(): Promise<void> {
    let arrival: Arrival | null = null;
    while (this.running) {
      try {
        const room = this.room();
        if (room <= 0) {
          await this.sleep(1000);
          continue;
        }
        const want = Math.min(room, 100);
        const claiming = this.qos.claim(this.claimOrder, want);
        // The message a wait ended with starts now, while the claim that takes it into
        // `unacked` is on its way: on the same connection, so Redis runs the claim before the
        // task's finish. (The claim script ran just before the wait, so it is in Redis's cache.)
        const early = arrival ? this.startEarly(arrival) : null;
        arrival = null;
        const claims = await claiming;
        for (const c of claims) c.list = this.inbox.sourceOf(c.list); // a claim from the inbox is its list's
        const rest = early === null ? claims : withoutFirst(claims, early);
        if (rest.length > 0) this.onClaims(rest);
        // A full batch: there may be more. Fewer: every list was empty a moment ago, so wait
        // for the next message rather than claim again (an empty claim on the same connection
        // would hold up the results of the tasks just claimed).
        if (claims.length === want) continue;
        arrival = await this.waitForMessages();
      } catch (err) {
        if (!this.running) return;
        this.onError(err);
        await this.sleep(1000);
      }
    }
  }

  /**
   * Hands the message a wait ended with to the worker before its claim's reply, unless its
   * tag cannot be read here (the claim script then deals with it) or this worker's inbox may
   * have gone stale meanwhile (an event loop held up for seconds: another worker may have
   * handed the message back to its queue). One case is known only to the claim: a message
   * whose tag another claim holds in `unacked` (the same envelope sent twice) is dead-lettered
   * by the claim script after it has started here, a second run that at least once allows.
   * @returns its delivery tag, or null if it waits for the claim like any other
   */
  private startEarly(arrival: Arrival): string | null {
    const tag = TAG_AT_END.exec(arrival.raw.slice(-400))?.[1];
    if (!tag || !this.inbox.fresh()) return null;
    this.onClaims([{ tag, raw: arrival.raw, list: arrival.list }]);
    return tag;
  }

  /**
   * Resolves when a list may have a message, with the message if a wait moved one into the
   * inbox. A list's BLMOVE stays pending across calls (a message on another list ends the
   * wait first; what it moves meanwhile is claimed from the inbox like any other), and wakes
   * whichever wait is current when it returns: handlers added per call to a pending BLMOVE
   * piled up by the thousand.
   */
  private waitForMessages(): Promise<Arrival | null> {
    return new Promise<Arrival | null>((resolve) => {
      this.wakeWait = resolve;
      for (const list of this.lists) {
        let mover = this.inboxMovers.get(list);
        if (!mover) this.inboxMovers.set(list, (mover = this.openInboxMover()));
        if (mover.pending) continue;
        const p = mover;
        // Cleared before waking, so that the woken loop's next wait starts a new BLMOVE.
        const wake = (arrival: Arrival | null): void => {
          p.pending = null;
          const current = this.wakeWait;
          this.wakeWait = null;
          current?.(arrival);
        };
        // 1 s timeout: the loop then re-checks that it should still run.
        p.pending = p.conn.blmove(list, this.inbox.keyOf(list), 'RIGHT', 'LEFT', 1).then((raw) => wake(raw === null ? null : { list, raw }), (err: unknown) => {
          if (!this.running) return wake(null); // stop() closed the connection
          // BLMOVE needs Redis >= 6.2. Without it (or with the connection down), poll every
          // 100 ms rather than spin: the claim stays atomic either way.
          if (!this.warnedBlockingMove) this.onError(new Error(`waiting with BLMOVE failed (${(err as Error).message}); polling instead`));
          this.warnedBlockingMove = true;
          setTimeout(() => wake(null), 100);
        });
      }
    });
  }

  private openInboxMover(): InboxMover {
    const mover: InboxMover = { conn: this.open(), pending: null, clientId: null };
    const learnId = (): void => {
      mover.clientId = null;
      mover.conn.client('ID').then((id) => (mover.clientId = Number(id)), () => undefined);
    };
    // Asked now, so that it goes before the first BLMOVE (a connection's commands run in
    // order, and a blocked one answers nothing else), and again after every reconnect.
    learnId();
    let connected = false;
    mover.conn.on('ready', () => {
      if (connected) learnId(); // a reconnect: a new id
      connected = true;
    });
    return mover;
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

/** The claims without the first one of this tag (the one that already started). */
function withoutFirst(claims: Claim[], tag: string): Claim[] {
  const i = claims.findIndex((c) => c.tag === tag);
  return i < 0 ? claims : [...claims.slice(0, i), ...claims.slice(i + 1)];
}
