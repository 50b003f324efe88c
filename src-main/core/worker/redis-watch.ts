import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Says when a worker loses its Redis and when it has it back. Cut off for longer than the
 * visibility timeout, the claims it holds may have been restored to other workers by their
 * sweeps, so the tasks it is running may run twice (as Celery documents for its Redis
 * transport): the log must say so, for whoever wonders why a task ran twice.
 */
export class RedisWatch {
  /** When the connection went (unix ms), while it is gone. */
  private lostAt: number | null = null;
  private readonly onClose = (): void => this.lost();
  private readonly onReady = (): void => this.back();
  private readonly onError = (err: Error): void => void (this.lastError = err);
  private lastError: Error | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
    /** Seconds after which anyone's unacknowledged claim is restored. */
    private readonly visibilityTimeout: number,
  ) {
    redis.on('close', this.onClose);
    redis.on('ready', this.onReady);
    redis.on('error', this.onError);
  }

  /** Whether the connection is gone now. */
  get down(): boolean {
    return this.lostAt !== null || this.redis.status !== 'ready';
  }

  stop(): void {
    this.redis.off('close', this.onClose);
    this.redis.off('ready', this.onReady);
    this.redis.off('error', this.onError);
  }

  private lost(): void {
    if (this.lostAt !== null) return; // every failed reconnect closes again: one line per outage
    this.lostAt = Date.now();
    const why = this.lastError?.message;
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
