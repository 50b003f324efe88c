import type { App } from '../core/app.js';
import type { Spawner } from '../core/worker/pool/spawner.js';
import type { TaskParam } from '../core/task.js';
import { isRoomMethod, type Method, type Output } from './contract.js';
import { EventHub, failure, parseCall, type CallResult, type ContractHandler, type EventListener } from './handler.js';
import { Cluster } from './cluster/cluster.js';
import { HistoryStore } from './history/history-store.js';
import { backfill } from './history/backfill.js';
import type { CeleryEvent } from '../core/events/envelope.js';
import { TaskIndex, type ListedTask } from './task-index.js';
import { LocalPool } from './local-pool.js';
import { BatchTracker } from './batches/batch-tracker.js';
import { batchHandlers } from './handlers/batches.js';
import { queueHandlers } from './handlers/queues.js';
import { taskHandlers } from './handlers/tasks.js';
import type { Handler, Handlers, ServiceParts, SessionMethod } from './handlers/types.js';
import { workerHandlers } from './handlers/workers.js';

export type { CallResult };

/** Events held for the history at most between two writes (a flood must not grow memory). */
const MAX_PENDING_EVENTS = 100_000;

/** Every method one connection serves, by domain: the compiler holds it to the contract's list. */
const HANDLERS: Handlers<SessionMethod> = { ...queueHandlers, ...taskHandlers, ...workerHandlers, ...batchHandlers };

/**
 * The control room's logic behind the contract, on one Redis connection (ControlRoom adds
 * the connection methods and switches between these). Every input is validated against the
 * contract's schema on arrival; a bad call gets a typed error, never an exception.
 */
export class ControlRoomService implements ContractHandler {
  private readonly tasks: TaskIndex;
  /** The worker pool the control room hosts. */
  readonly pool: LocalPool;
  readonly batches: BatchTracker;
  /** Every worker of the cluster, Python's too, from the event stream. */
  readonly cluster: Cluster;
  private readonly events = new EventHub();

  /**
   * @param app an app on the Redis the control room shows (with taskRecords on, for submits)
   * @param spawner how the hosted pool's worker process is started (Electron: utilityProcess)
   */
  /** The task history (SQLite), when the control room keeps one (a data folder). */
  readonly history: HistoryStore | null;
  private readonly heard: CeleryEvent[] = [];
  private historyTimers: NodeJS.Timeout[] = [];
  private stopped = false;

  /**
   * @param options.historyPath the history's database file; absent: no history is kept
   */
  constructor(private readonly app: App, spawner?: Spawner, options: { historyPath?: string } = {}) {
    this.tasks = new TaskIndex(app.broker, () => app.open(app.brokerUrl));
    this.pool = new LocalPool(app, spawner);
    this.batches = new BatchTracker(app, this.tasks, (changed, notices) => {
      this.events.emit('batches:changed', changed);
      for (const n of notices) this.events.emit('batches:notice', n);
    });
    // Ids and states only: a list patches its rows, a task's page reloads for its own id, and
    // a client following a batch is not sent a thousand records every 50 ms.
    this.tasks.onChange((changed) => this.events.emit('tasks:changed', changed.map((t) => ({ id: t.id, state: t.state }))));
    this.history = options.historyPath ? new HistoryStore(options.historyPath) : null;
    // Events wait here and go into the history together (one transaction, a task's events folded).
    this.cluster = new Cluster(app, (events) => {
      if (this.history && this.heard.length < MAX_PENDING_EVENTS) this.heard.push(...events);
    });
  }

  /** Writes what the event stream brought since the last time. */
  private flushHistory(): void {
    if (!this.history || this.heard.length === 0) return;
    const events = this.heard.splice(0);
    try {
      // What the event stream changed is news for the lists on view too (Python's tasks write no records).
      const changed = this.history.applyEvents(events);
      if (changed.length > 0) this.events.emit('tasks:changed', changed);
    } catch {
      // A full disk or a locked file: these events are lost to the history, not to anyone else.
    }
  }

  /** The history's upkeep: events in every 100 ms, results read back once, retention hourly. */
  private startHistory(): void {
    const history = this.history;
    if (!history) return;
    this.historyTimers.push(setInterval(() => this.flushHistory(), 100));
    history.prune();
    this.historyTimers.push(setInterval(() => history.prune(), 3600_000));
    for (const t of this.historyTimers) t.unref();
    void backfill(this.app.broker, history, () => this.stopped).catch(() => undefined);
  }

  /** Loads the task list and keeps it (and the batches) live. */
  async start(): Promise<void> {
    await this.tasks.start();
    this.batches.start();
    await this.cluster.start();
    this.startHistory();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cluster.stop();
    for (const t of this.historyTimers) clearInterval(t);
    this.flushHistory();
    this.history?.close();
    this.batches.stop();
    this.tasks.stop();
    await this.pool.stop();
  }

  /** What the handlers work with. */
  private get parts(): ServiceParts {
    return (this.partsValue ??= { app: this.app, tasks: this.tasks, pool: this.pool, batches: this.batches, cluster: this.cluster, history: this.history, declaredParams: (task) => this.declaredParams(task) });
  }

  private partsValue: ServiceParts | null = null;

  /** A task's declared parameters, from the hosted pool's modules; none for a task only a remote worker knows. */
  private async declaredParams(task: string): Promise<readonly TaskParam[]> {
    return (await this.pool.tasks()).find((t) => t.name === task)?.params ?? this.app.tasks.get(task)?.options.params ?? [];
  }


  /** Live updates of the task list (the transports push them to the renderer). */
  onTasksChanged(listener: (changed: ListedTask[]) => void): () => void {
    return this.tasks.onChange(listener);
  }

  onEvent(listener: EventListener): () => void {
    return this.events.on(listener);
  }

  async call<M extends Method>(method: M | string, input: unknown): Promise<CallResult<M>> {
    const parsed = parseCall(method, input);
    if (!parsed.ok) return parsed;
    if (isRoomMethod(parsed.method)) return { ok: false, error: { code: 'E_UNKNOWN_METHOD', message: `${parsed.method} is served by the control room, not one connection` } };
    return this.callParsed(parsed.method, parsed.input);
  }

  /** Runs a call whose input the contract's schema already accepted. */
  async callParsed<M extends Method>(method: M, input: Record<string, unknown>): Promise<CallResult<M>> {
    try {
      const handler = HANDLERS[method as SessionMethod] as Handler<SessionMethod> | undefined;
      if (!handler) throw new Error(`${method} is not served on one connection`);
      return { ok: true, value: (await handler(this.parts, input as never)) as Output<M> };
    } catch (err) {
      return failure(err);
    }
  }
}
