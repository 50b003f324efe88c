import { QoS } from '../../broker/qos.js';
import type { Bootstep } from '../bootsteps.js';
import type { WorkerContext } from './context.js';

/** How often at most the log says the dead-letter list is full (ms). */
const FULL_WARNING_EVERY_MS = 60_000;

/** kombu's ack emulation: claims, acks, restores, the ETA schedule and the dead-letter list. */
export const qosStep: Bootstep<WorkerContext> = {
  name: 'qos',
  requires: ['connection'],
  start(ctx) {
    let warned = 0;
    ctx.qos = new QoS(ctx.app.broker, undefined, (cap) => {
      // A flood of bad messages would otherwise flood the log too.
      if (Date.now() - warned < FULL_WARNING_EVERY_MS) return;
      warned = Date.now();
      ctx.log.warn(`[Worker] The dead-letter list is full (${cap}): the oldest entries are being dropped (counted in celeriac:dead:dropped). Requeue or drop them: celeriac dead list`);
    });
  },
};
