import { restoreAbandonedInboxes } from '../../broker/inbox.js';
import type { Bootstep } from '../bootsteps.js';
import type { WorkerContext } from './context.js';

/**
 * kombu's visibility sweep, once before consuming (the maintenance step repeats it): anyone's
 * claims older than the visibility timeout, and the inboxes of workers that are gone, go back
 * to their queues.
 */
export const restoreStep: Bootstep<WorkerContext> = {
  name: 'restore',
  requires: ['qos'],
  async start(ctx) {
    await restoreStale(ctx);
  },
};

/** Restores stale claims and abandoned inboxes; logs what it restored, or why it could not. */
export async function restoreStale(ctx: WorkerContext): Promise<void> {
  const vt = ctx.options.visibilityTimeout;
  try {
    const n = await ctx.qos.sweep(vt);
    if (n > 0) ctx.log.warn(`[Worker] Restored ${n} message(s) whose claim was older than ${vt}s`);
    const m = await restoreAbandonedInboxes(ctx.app.broker);
    if (m > 0) ctx.log.warn(`[Worker] Restored ${m} message(s) from the inbox of a worker that is gone`);
  } catch (err) {
    ctx.log.error(`[Worker] visibility sweep failed: ${(err as Error).message}`);
  }
}
