import type { Bootstep } from '../bootsteps.js';
import type { WorkerContext } from './context.js';

/**
 * Hands back what the consumer's last wait moved into its inbox as it stopped. The consumer
 * step makes (and remakes) the inbox; this step only stops, after the requests step has handed
 * back the claims, so those go back to their queues first.
 */
export const inboxStep: Bootstep<WorkerContext> = {
  name: 'inbox',
  requires: ['connection'],
  async stop(ctx) {
    await ctx.inbox?.handBack().catch(() => 0);
  },
};
