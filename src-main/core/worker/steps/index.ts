import type { Bootstep } from '../bootsteps.js';
import { connectionStep } from './connection.js';
import { ConsumerStep } from './consumer.js';
import type { WorkerContext } from './context.js';
import { controlStep } from './control.js';
import { eventsStep } from './events.js';
import { heartbeatStep } from './heartbeat.js';
import { inboxStep } from './inbox.js';
import { MaintenanceStep } from './maintenance.js';
import { poolStep } from './pool.js';
import { qosStep } from './qos.js';
import { requestsStep } from './requests.js';
import { restoreStep } from './restore.js';
import { revocationsStep } from './revocations.js';

export { WorkerContext } from './context.js';

/**
 * A worker's steps, fresh for each worker (some keep state of their own), in the order they
 * start; they stop in the reverse order. So a stop first takes no new work (control, timers,
 * the consumer), then lets running tasks finish and hands back what the worker holds (claims,
 * then its inbox), then says it is offline, stops the pool and closes the connections.
 */
export function workerSteps(): Bootstep<WorkerContext>[] {
  return [
    connectionStep,
    poolStep,
    qosStep,
    eventsStep,
    revocationsStep,
    heartbeatStep,
    inboxStep,
    requestsStep,
    restoreStep,
    new ConsumerStep(),
    new MaintenanceStep(),
    controlStep,
  ];
}
