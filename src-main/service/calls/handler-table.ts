/** Every contract method's handler, joined from the domains' files: the one table calls are run from. */
import { alertHandlers } from '../alerts/handlers.js';
import { batchHandlers } from '../batches/handlers.js';
import { connectionHandlers } from '../connections/handlers.js';
import { deadHandlers } from '../dead/handlers.js';
import { hostedWorkerHandlers } from '../hosted-worker/handlers.js';
import { overviewHandlers } from '../overview/handlers.js';
import { queueHandlers } from '../queues/handlers.js';
import { queueMessageHandlers } from '../queues/message-handlers.js';
import { scheduledHandlers } from '../queues/scheduled-handlers.js';
import { settingsHandlers } from '../room/settings-handlers.js';
import { scheduleHandlers } from '../schedules/handlers.js';
import { taskExportHandlers } from '../tasks/export-handlers.js';
import { taskHandlers } from '../tasks/handlers.js';
import { resendHandlers } from '../tasks/resend-handlers.js';
import { workerHandlers } from '../workers/handlers.js';
import type { HandlerTable } from './handler-types.js';

export const HANDLERS: HandlerTable = {
  ...connectionHandlers, ...settingsHandlers, ...queueHandlers, ...queueMessageHandlers, ...scheduledHandlers, ...taskHandlers, ...taskExportHandlers,
  ...workerHandlers, ...hostedWorkerHandlers, ...batchHandlers, ...scheduleHandlers, ...deadHandlers, ...overviewHandlers,
  ...alertHandlers, ...resendHandlers,
};
