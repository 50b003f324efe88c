/**
 * The contract's methods as a typed table: one handler per method, each taking the input its
 * schema parsed (defaults applied) and returning the method's output. A room method's handler
 * works with the control room's parts (profiles, settings, the host), a connection method's
 * with that connection's. One file per domain; calls/handler-table.ts joins them.
 */
import type { App } from '../../core/app.js';
import type { TaskParam } from '../../core/task.js';
import type { ConnectionMethod, ConnectionStatus, ConnectionTestResult, Method, Output, ParsedInput, ProfileInput, ProfileView, RoomMethod, Settings } from '../contract/index.js';
import type { ExportFormat } from '../tasks/export.js';
import type { Alerts } from '../alerts/alerts.js';
import type { BatchTracker } from '../batches/batch-tracker.js';
import type { Cluster } from '../cluster/cluster.js';
import type { HistoryFace } from '../history/history-reader.js';
import type { HostedWorker } from '../hosted-worker/hosted-worker.js';

/** What handlers work with: the connection's parts. */
export interface ConnectionParts {
  app: App;
  hosted: HostedWorker;
  /** The queues a pool started from the view consumes: Local's `celery`, else the pool's own. */
  hostedQueues: string[];
  batches: BatchTracker;
  cluster: Cluster;
  /** The connection's alert rules, what they fired, and its delivery. */
  alerts: Alerts;
  /**
   * The task history, read only (in memory when the control room keeps none on disk): its feed
   * is its one writer, and what a handler reads itself it hands to the feed.
   */
  history: HistoryFace;
  /** The beat this control room runs (settings: beat), or null. */
  readonly beat: { token: string } | null;
  /** A task's declared parameters (the hosted pool's modules, else this process's). */
  declaredParams(task: string): Promise<readonly TaskParam[]>;
}

export type Handler<M extends ConnectionMethod> = (s: ConnectionParts, input: ParsedInput<M>) => Promise<Output<M>> | Output<M>;

/** What room methods' handlers work with: the control room's profiles, settings and host. */
export interface RoomParts {
  status(): ConnectionStatus;
  profiles(): ProfileView[];
  saveProfile(input: ProfileInput): ProfileView;
  deleteProfile(id: string): Promise<{ deleted: boolean }>;
  testProfile(input: { id: string } | { profile: ProfileInput }): Promise<ConnectionTestResult>;
  useProfile(id: string): Promise<ConnectionStatus>;
  settings(): Settings;
  changeSettings(change: { notifications?: boolean; beat?: boolean }): Promise<Settings>;
  /** Desktop only: shows a batch's output folder in the file manager. */
  openFolder(batchId: string): Promise<{ opened: string }>;
  /** Desktop only: the Tasks filter saved to a file the user picks. */
  exportFile(query: string, format: ExportFormat): Promise<{ path: string | null; bytes: number }>;
}

export type RoomHandler<M extends RoomMethod> = (room: RoomParts, input: ParsedInput<M>) => Promise<Output<M>> | Output<M>;

/** A method's handler: a room method's works with the room, the rest with one connection. */
export type AnyHandler<M extends Method> = M extends RoomMethod ? RoomHandler<M> : M extends ConnectionMethod ? Handler<M> : never;

/** A domain's handlers. */
export type Handlers<K extends Method> = { [M in K]: AnyHandler<M> };

/** Every method's handler: the compiler holds it to the contract's list. */
export type HandlerTable = Handlers<Method>;
