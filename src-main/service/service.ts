import type { App } from '../core/app.js';
import { contract, isMethod, type ContractError, type Method, type Output } from './contract.js';
import { browseQueue, listQueues, purgeQueue } from './queues.js';
import { listWorkers } from './workers.js';
import { getTask, retryTask, submitTask } from './tasks.js';
import { TaskIndex, type ListedTask, type TaskFilter } from './task-index.js';
import { LocalPool } from './local-pool.js';

/** A call's outcome, as both transports send it back. */
export type CallResult<M extends Method> = { ok: true; value: Output<M> } | { ok: false; error: ContractError };

/**
 * The control room's logic behind the contract. Every input is validated against the
 * contract's schema on arrival; a bad call gets a typed error, never an exception.
 */
export class ControlRoomService {
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

  async call<M extends Method>(method: M | string, input: unknown): Promise<CallResult<M>> {
    if (!isMethod(method)) return { ok: false, error: { code: 'E_UNKNOWN_METHOD', message: `no method ${JSON.stringify(method)}` } };
    const parsed = contract[method].input.safeParse(input ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return { ok: false, error: { code: 'E_BAD_INPUT', message: `bad input for ${method}: ${issues.map((i) => `${i.path || '(input)'}: ${i.message}`).join('; ')}`, issues } };
    }
    try {
      return { ok: true, value: (await this.dispatch(method, parsed.data)) as Output<M> };
    } catch (err) {
      return { ok: false, error: { code: 'E_FAILED', message: err instanceof Error ? err.message : String(err) } };
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
    }
  }
}
