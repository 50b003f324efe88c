/**
 * The control room's contract: one table of methods, each with a zod schema for its input, a
 * TypeScript type for its output, and what it is — `room` (served by the control room itself,
 * connected or not) and `reads` (changes nothing anywhere: what a read-only room still answers).
 * The call server (service/calls/) serves exactly this table over every transport; the renderer
 * takes its types and limit values through its api/. It imports core's types only.
 */
import type { z } from 'zod';
import { alertsMethods } from './methods/alerts.js';
import { batchesMethods } from './methods/batches.js';
import { connectionsMethods } from './methods/connections.js';
import { deadMethods } from './methods/dead.js';
import { failuresMethods } from './methods/failures.js';
import { hostedWorkerMethods } from './methods/hosted-worker.js';
import { overviewMethods } from './methods/overview.js';
import { queuesMethods } from './methods/queues.js';
import { resendMethods } from './methods/resend.js';
import { scheduledMethods } from './methods/scheduled.js';
import { schedulesMethods } from './methods/schedules.js';
import { settingsMethods } from './methods/settings.js';
import { tasksMethods } from './methods/tasks.js';
import { workersMethods } from './methods/workers.js';

export const contract = {
  ...connectionsMethods, ...settingsMethods, ...queuesMethods, ...tasksMethods, ...failuresMethods, ...schedulesMethods, ...overviewMethods,
  ...scheduledMethods, ...deadMethods, ...hostedWorkerMethods, ...workersMethods, ...batchesMethods, ...alertsMethods,
  ...resendMethods,
} as const;

type Contract = typeof contract;
export type Method = keyof Contract;
/** What a method takes (before defaults are applied). */
export type Input<M extends Method> = z.input<Contract[M]['input']>;
/** What a method's handler receives: its input as the schema parsed it (defaults applied). */
export type ParsedInput<M extends Method> = z.output<Contract[M]['input']>;
/** What a method returns. */
export type Output<M extends Method> = Contract[M]['output'];

/**
 * The methods the control room itself serves, whether or not it is connected to a Redis
 * (connections, settings, the host's files); the rest are served on the current connection.
 */
export type RoomMethod = { [M in Method]: Contract[M] extends { room: true } ? M : never }[Method];
/** The methods one connection serves. */
export type ConnectionMethod = Exclude<Method, RoomMethod>;

export function isMethod(name: unknown): name is Method {
  return typeof name === 'string' && Object.hasOwn(contract, name);
}

export function isRoomMethod(method: Method): method is RoomMethod {
  return 'room' in contract[method];
}

/** Whether a method changes nothing, anywhere: what a read-only control room (`serve --read-only`) still answers. */
export function isReadMethod(method: Method): boolean {
  return 'reads' in contract[method];
}

export type { ProfileInput } from './methods/connections.js';
export * from './limits.js';
export * from './events.js';
export type * from './errors.js';
export type * from './types/alerts.js';
export type * from './types/batches.js';
export type * from './types/connections.js';
export type * from './types/held-messages.js';
export type * from './types/hosted-worker.js';
export type * from './types/overview.js';
export type * from './types/resend.js';
export type * from './types/schedules.js';
export type * from './types/settings.js';
export type * from './types/tasks.js';
export * from './types/workers.js';
export type { TaskParam } from '../../core/task.js';
export type { PlannedItem } from '../../core/batch/plan.js';
export type { QueueInfo } from '../../core/broker/queue-list.js';
export type * from './types/queue-messages.js';
export type { WorkerInfo } from '../../core/worker/worker-list.js';
export type { ExpandedFiles } from '../../core/batch/expand-paths.js';
export type { DeadLetterView } from '../../core/broker/dead-letter-page.js';
export type { ScheduledTask } from '../../core/broker/scheduled-task.js';
