import type { App } from '../core/app.js';
import { isConnectionMethod, type Method, type Output } from './contract.js';
import { failure, parseCall, type CallResult, type ContractHandler, type EventListener } from './handler.js';
import { browseQueue, listQueues, purgeQueue } from './queues.js';
import { listWorkers } from './workers.js';
import { getTask, retryTask, submitTask } from './tasks.js';
import { TaskIndex, type ListedTask, type TaskFilter } from './task-index.js';
import { LocalPool } from './local-pool.js';

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

  /** @param app an app on the Redis the control room shows (with taskRecords on, for submits) */
  constructor(private readonly app: App) {
    this.tasks = new TaskIndex(app.broker, () => app.open(app.brokerUrl));
    this.pool = new LocalPool(app);
  }

  /** Loads the task list and keeps it live. */
  start(): Promise<void> {
    return this.tasks.start();
  }

  async stop(): Promise<void> {
    this.tasks.stop();
    await this.pool.stop();
  }

  /** Live updates of the task list (the transports push them to the renderer). */
  onTasksChanged(listener: (changed: ListedTask[]) => void): () => void {
    return this.tasks.onChange(listener);
  }

  onEvent(listener: EventListener): () => void {
    return this.tasks.onChange((changed) => listener('tasks:changed', changed));
  }

  async call<M extends Method>(method: M | string, input: unknown): Promise<CallResult<M>> {
    const parsed = parseCall(method, input);
    if (!parsed.ok) return parsed;
    if (isConnectionMethod(parsed.method)) return { ok: false, error: { code: 'E_UNKNOWN_METHOD', message: `${parsed.method} is served by the control room, not one connection` } };
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
        return getTask(this.app, input.id as string);
      case 'tasks:retry':
        return this.retryAll(input.ids as string[]);
      case 'tasks:retryFailed': {
        const failed = this.tasks.list({ state: 'FAILURE', name: input.name as string | undefined }, 0, Number.MAX_SAFE_INTEGER);
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
      case 'workers:list':
        return listWorkers(this.app.broker);
      default:
        throw new Error(`${method} is not served on one connection`);
    }
  }
}
