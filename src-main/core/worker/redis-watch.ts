import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** How often the connection is asked a PING (ms)... */
const PROBE_EVERY_MS = 1000;
/** ...and how long a PING may go unanswered before the connection counts as lost (ms). */
export const SILENT_AFTER_MS = 10_000;

/**
 * Says when a worker loses its Redis and when it has it back. Cut off for longer than the
 * visibility timeout, the claims it holds may have been restored to other workers by their
 * sweeps, so the tasks it is running may run twice (as Celery documents for its Redis
 * transport): the log must say so, for whoever wonders why a task ran twice.
 *
 * A refused or reset connection closes at once. A host cut off from the network does not: its
 * sockets stay open and silent for as long as TCP retransmits (minutes), and a connect in the
 * meantime hangs. So the connection is asked a PING every second; one unanswered for
 * SILENT_AFTER_MS counts as lost, and `onSilent` drops the worker's connections so that they
 * reconnect afresh (ioredis sends again what had no reply) once the network is back.
 */
export class RedisWatch {
  /** When the connection went (unix ms), while it is gone. */
  private lostAt: number | null = null;
  private readonly onClose = (): void => this.lost();
  private readonly onReady = (): void => this.back();
  private readonly onError = (err: Error): void => void (this.lastError = err);
  private lastError: Error | null = null;
  /** When the PING waiting for its answer went out (unix ms), or null. */
  private probeSentAt: number | null = null;
  private readonly probeTimer: NodeJS.Timeout;
  /** When the probe last ran (unix ms). */
  private lastProbe = Date.now();

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
    /** Seconds after which anyone's unacknowledged claim is restored. */
    private readonly visibilityTimeout: number,
    /** Told when Redis stopped answering on a connection that is still open. */
    private readonly onSilent: () => void = () => undefined,
  ) {
    redis.on('close', this.onClose);
    redis.on('ready', this.onReady);
    redis.on('error', this.onError);
    this.probeTimer = setInterval(() => this.probe(), PROBE_EVERY_MS);
    this.probeTimer.unref();
  }

  /** Whether the connection is gone now. */
  get down(): boolean {
    return this.lostAt !== null || this.redis.status !== 'ready';
  }

  stop(): void {
    clearInterval(this.probeTimer);
    this.redis.off('close', this.onClose);
    this.redis.off('ready', this.onReady);
    this.redis.off('error', this.onError);
  }

  /** Sends a PING unless one is on its way; declares the connection lost if that one is overdue. */
  private probe(): void {
    // A probe held up with the event loop (a task computing in the async pool) judges nothing:
    // the answer may be waiting unread behind it.
    const now = Date.now();
    const late = now - this.lastProbe > 2 * PROBE_EVERY_MS;
    this.lastProbe = now;
    if (late || this.lostAt !== null || this.redis.status !== 'ready') return;
    const sentAt = this.probeSentAt;
    if (sentAt === null) {
      const mine = (this.probeSentAt = now);
      const answered = (): void => {
        if (this.probeSentAt === mine) this.probeSentAt = null;
      };
      this.redis.ping().then(answered, answered);
      return;
    }
    const silentMs = now - sentAt;
    if (silentMs < SILENT_AFTER_MS) return;
    this.lost(`no answer for ${Math.round(silentMs / 1000)}s`, sentAt);
    this.onSilent();
  }

  /**
   * @param why what was seen, else the connection's last error
   * @param since when it went, if before now (unix ms)
   */
  private lost(why = this.lastError?.message, since = Date.now()): void {
    if (this.lostAt !== null) return; // every failed reconnect closes again: one line per outage
    this.lostAt = since;
    this.probeSentAt = null;
    this.log.warn(`[Worker] lost its connection to Redis${why ? ` (${why})` : ''}; retrying. Claims older than the visibility timeout (${this.visibilityTimeout}s) are restored to other workers meanwhile`);
  }

  private back(): void {
    if (this.lostAt === null) return;
    const seconds = (Date.now() - this.lostAt) / 1000;
    this.lostAt = null;
    this.lastError = null;
    if (seconds > this.visibilityTimeout) {
      this.log.warn(`[Worker] reconnected to Redis after ${seconds.toFixed(1)}s, longer than the visibility timeout (${this.visibilityTimeout}s): claims may have been restored to other workers, so the tasks this worker was running may run twice`);
    } else {
      this.log.warn(`[Worker] reconnected to Redis after ${seconds.toFixed(1)}s`);
    }
  }
}
