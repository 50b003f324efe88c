/** Every contract method's handler, joined from the domains' files: the one table calls are run from. */
import { batchHandlers } from '../handlers/batches.js';
import { connectionHandlers } from '../handlers/connections.js';
import { deadHandlers } from '../handlers/dead.js';
import { overviewHandlers } from '../handlers/overview.js';
import { queueHandlers } from '../handlers/queues.js';
import { scheduleHandlers } from '../handlers/schedules.js';
import { settingsHandlers } from '../handlers/settings.js';
import { taskExportHandlers } from '../handlers/task-export.js';
import { taskHandlers } from '../handlers/tasks.js';
import type { HandlerTable } from '../handlers/types.js';
import { workerHandlers } from '../handlers/workers.js';

export const HANDLERS: HandlerTable = {
  ...connectionHandlers, ...settingsHandlers, ...queueHandlers, ...taskHandlers, ...taskExportHandlers, ...workerHandlers,
  ...batchHandlers, ...scheduleHandlers, ...deadHandlers, ...overviewHandlers,
};
