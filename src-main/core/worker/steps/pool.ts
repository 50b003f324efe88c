import { AsyncPool } from '../pool/async-pool.js';
import { ProcessPool } from '../pool/process-pool.js';
import type { Bootstep } from '../bootsteps.js';
import type { WorkerContext } from './context.js';

/** The task pool (child processes, or in-process), and the tasks its modules register. */
export const poolStep: Bootstep<WorkerContext> = {
  name: 'pool',
  async start(ctx) {
    const o = ctx.options;
    ctx.pool =
      o.pool === 'async'
        ? new AsyncPool(ctx.modulePaths, o.concurrency)
        : new ProcessPool(ctx.modulePaths, {
            processes: o.concurrency,
            perChild: o.perChild,
            childConcurrency: o.childConcurrency,
            maxTasksPerChild: o.maxTasksPerChild,
            spawner: o.spawner,
            onChildEvent: (e) => ctx.log.warn(`[Pool] ${e}`),
          });
    for (const info of await ctx.pool.start()) ctx.tasks.set(info.name, info);
  },
  async stop(ctx) {
    await ctx.pool.stop(true);
  },
};
