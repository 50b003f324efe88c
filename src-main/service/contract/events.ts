/** What the back end pushes to its clients (each client says which it wants). */
import type { AlertChange } from './types/alerts.js';
import type { BatchNotice, BatchSummary } from './types/batches.js';
import type { ConnectionStatus } from './types/connections.js';

/** What the back end pushes to the renderer. */
export interface ContractEvents {
  /** Tasks whose state changed, by id (the task list's live updates; a task page's own). */
  'tasks:changed': Array<{ id: string; state: string }>;
  /** The control room connected, switched or lost its connection. */
  'connection:changed': ConnectionStatus;
  /** Batches whose items moved (at most a few times a second). */
  'batches:changed': BatchSummary[];
  /** A batch ended, or failures spiked: for a desktop or browser notification (unless turned off). */
  'batches:notice': BatchNotice;
  /** An alert fired or resolved (each episode once each way): the Alerts view's live update, and a notification when its delivery says desktop. */
  'alerts:changed': AlertChange;
}
export type EventName = keyof ContractEvents;
