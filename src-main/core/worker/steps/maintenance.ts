import { INBOX_REFRESH_MS } from '../../broker/inbox.js';
import type { Bootstep } from '../bootsteps.js';
import type { WorkerContext } from './context.js';
import { restoreStale } from './restore.js';

/** How often records are trimmed to their cap and the result expiry (ms). */
const TRIM_EVERY_MS = 60_000;

/**
 * kombu's bookkeeping on timers: claims of running tasks kept fresh, anyone's stale claims
 * restored, the inbox said alive, records trimmed, the prefetch limit following the completion
 * rate, and due ETA tasks moved to their queues.
 */
export class MaintenanceStep implements Bootstep<WorkerContext> {
  readonly name = 'maintenance';
  readonly requires = ['consumer', 'restore'];
  private readonly timers: NodeJS.Timeout[] = [];
  private promoteTimer: NodeJS.Timeout | null = null;
  /** When the promote timer fires next (unix ms). */
  private promoteAt = Infinity;

  start(ctx: WorkerContext): void {
    const o = ctx.options;
    const vt = o.visibilityTimeout;
    if (!o.prefetchFixed) this.timers.push(setInterval(() => ctx.prefetch.sample(ctx.handler.stats.processed), 100));
    // Claims of running tasks stay fresh well within the visibility timeout.
    this.timers.push(setInterval(() => void ctx.qos.touch([...ctx.handler.held.keys()]).catch(() => undefined), clamp(vt * 250, 250, 30_000)));
    // Anyone's stale claims are restored (kombu does this every ~100 s; a short timeout asks for more).
    this.timers.push(setInterval(() => void restoreStale(ctx), clamp(vt * 500, 500, 60_000)));
    this.timers.push(setInterval(() => void ctx.inbox.refresh().catch(() => undefined), INBOX_REFRESH_MS));
    // Records stay bounded by the cap and the result expiry.
    const trim = (): void => void ctx.app.records.trim((o.resultExpires || 0) * 1000, o.recordsCap).catch(() => undefined);
    trim();
    this.timers.push(setInterval(trim, TRIM_EVERY_MS));
    ctx.scheduled = (etaMs) => this.scheduled(ctx, etaMs);
    this.promoteDue(ctx);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    if (this.promoteTimer) clearTimeout(this.promoteTimer);
  }

  /** A task was scheduled for `etaMs`: wake up for it if that is sooner than planned. */
  private scheduled(ctx: WorkerContext, etaMs: number): void {
    if (!ctx.stopping && this.promoteTimer && etaMs < this.promoteAt) this.armPromote(ctx, Math.max(5, etaMs - Date.now()));
  }

  private armPromote(ctx: WorkerContext, wait: number): void {
    if (this.promoteTimer) clearTimeout(this.promoteTimer);
    this.promoteAt = Date.now() + wait;
    this.promoteTimer = setTimeout(() => {
      this.promoteTimer = null;
      this.promoteDue(ctx);
    }, wait);
  }

  /** Moves due ETA tasks to their queues, then sleeps until the next is due (at most 1 s). */
  private promoteDue(ctx: WorkerContext): void {
    if (ctx.stopping) return;
    ctx.qos
      .promoteDue()
      .then(({ moved, nextDue }) => {
        if (ctx.stopping) return;
        if (moved > 0) ctx.log.debug(`[Worker] ${moved} scheduled task(s) are due`);
        const wait = moved >= 1000 ? 0 : nextDue === null ? 1000 : clamp(nextDue - Date.now(), 5, 1000);
        this.armPromote(ctx, wait);
      })
      .catch(() => {
        if (!ctx.stopping) this.armPromote(ctx, 1000);
      });
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
