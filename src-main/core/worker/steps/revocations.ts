import { Revocations } from '../../control/revocations.js';
import type { Bootstep } from '../bootsteps.js';
import type { WorkerContext } from './context.js';

/** The task ids revoked so far (remote control), loaded before any message is taken. */
export const revocationsStep: Bootstep<WorkerContext> = {
  name: 'revocations',
  requires: ['connection'],
  async start(ctx) {
    ctx.revocations = new Revocations(ctx.app.broker);
    await ctx.revocations.load();
  },
};
