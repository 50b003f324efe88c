import type { App } from '../core/app.js';
import type { Spawner } from '../core/worker/pool/spawner.js';
import type { TaskParam } from '../core/task.js';
import { planBatch } from '../core/batch/plan.js';
import { isRoomMethod, type Method, type Output, type WorkerCommand } from './contract.js';
import { EventHub, failure, parseCall, type CallResult, type ContractHandler, type EventListener } from './handler.js';
import { browseQueue, listQueues, purgeQueue } from './queues.js';
import { Cluster } from './cluster/cluster.js';
import { HistoryStore, type SortKey } from './history/history-store.js';
import { backfill } from './history/backfill.js';
import { QueryError } from './history/query.js';
import type { CeleryEvent } from '../core/events/envelope.js';

/** Events held for the history at most between two writes (a flood must not grow memory). */
const MAX_PENDING_EVENTS = 100_000;
import { controlWorker, inspectWorker } from './cluster/worker-detail.js';
import { getTask, retryTask, submitTask } from './tasks.js';
import { TaskIndex, type ListedTask, type TaskFilter } from './task-index.js';
import { LocalPool } from './local-pool.js';
import { BatchTracker, type BatchCreateInput } from './batches/batch-tracker.js';
import type { ItemBucket } from './batches/batch-summary.js';

export type { CallResult };

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
      return { ok: true, value: (await this.dispatch(method, input)) as Output<M> };
    } catch (err) {
      return failure(err);
    }
  }

  private async retryAll(ids: string[]): Promise<{ retried: string[]; errors: Array<{ id: string; message: string }> }> {
    const retried: string[] = [];
    const errors: Array<{ id: string; message: string }> = [];
    for (const id of ids) {
      await retryTask(this.app, id).then(
        () => retried.push(id),
        (err: unknown) => errors.push({ id, message: (err as Error).message }),
      );
    }
    return { retried, errors };
  }

  private async dispatch(method: Method, input: Record<string, unknown>): Promise<unknown> {
    switch (method) {
      case 'queues:list':
        return listQueues(this.app.broker);
      case 'queues:browse':
        return browseQueue(this.app.broker, input.queue as string, input.offset as number, input.limit as number);
      case 'queues:purge':
        return { purged: await purgeQueue(this.app.broker, input.queue as string) };
      case 'tasks:list': {
        const { offset, limit, ...filter } = input as unknown as TaskFilter & { offset: number; limit: number };
        return this.tasks.list(filter, offset, limit);
      }
      case 'tasks:get':
        return { ...(await getTask(this.app, input.id as string)), history: this.history?.get(input.id as string) ?? null };
      case 'tasks:retry':
        return this.retryAll(input.ids as string[]);
      case 'tasks:retryFailed': {
        const failed = await this.tasks.list({ state: 'FAILURE', name: input.name as string | undefined }, 0, Number.MAX_SAFE_INTEGER);
        return this.retryAll(failed.tasks.map((t) => t.id));
      }
      case 'tasks:revoke':
        await this.app.control.revoke(input.ids as string[], { terminate: input.terminate as boolean, timeout: 500 });
        return { revoked: input.ids };
      case 'tasks:submit': {
        const { name, args, kwargs, queue, priority, countdown } = input as { name: string; args: unknown[]; kwargs: Record<string, unknown>; queue?: string; priority?: number; countdown?: number };
        return submitTask(this.app, name, args, kwargs, { queue, priority, countdown });
      }
      case 'tasks:declared':
        return this.pool.tasks();
      case 'pool:status':
        return this.pool.status();
      case 'pool:start':
        return this.pool.start(input.modules as string[], input.concurrency as number, input.queues as string[]);
      case 'pool:stop':
        return this.pool.stop();
      case 'tasks:search': {
        if (!this.history) throw new Error('this control room keeps no history');
        try {
          return this.history.search(input.query as string, { offset: input.offset as number, limit: input.limit as number, sort: input.sort as SortKey });
        } catch (err) {
          if (err instanceof QueryError) throw new Error(`search: ${err.message}`);
          throw err;
        }
      }
      case 'workers:list':
        return this.cluster.workers();
      case 'workers:inspect':
        return inspectWorker(this.app, input.name as string);
      case 'workers:control':
        return controlWorker(this.app, input.name as string, input.command as WorkerCommand, input.args as Record<string, unknown>);
      case 'batches:create': {
        const batch = input as unknown as BatchCreateInput;
        return this.batches.create(batch, await this.declaredParams(batch.task));
      }
      case 'batches:preview': {
        const { task: _task, queue: _queue, ...plan } = input as unknown as BatchCreateInput;
        const params = await this.declaredParams(input.task as string);
        const total = (plan.files ?? plan.rows ?? []).length;
        return { total, items: planBatch({ ...plan, files: plan.files?.slice(0, 5), rows: plan.rows?.slice(0, 5), params }) };
      }
      case 'batches:list':
        return this.batches.list();
      case 'batches:get':
        return this.batches.get(input.id as string, input.offset as number, input.limit as number, input.bucket as ItemBucket | undefined);
      case 'batches:retryFailed':
        return this.batches.retryFailed(input.id as string);
      case 'batches:cancel':
        return this.batches.cancel(input.id as string);
      default:
        throw new Error(`${method} is not served on one connection`);
    }
  }
}
