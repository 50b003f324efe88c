import type { Redis } from 'ioredis';
import { contract, isMethod, type ContractError, type Method, type Output } from './contract.js';
import { browseQueue, listQueues, purgeQueue } from './queues.js';
import { listWorkers } from './workers.js';

/** A call's outcome, as both transports send it back. */
export type CallResult<M extends Method> = { ok: true; value: Output<M> } | { ok: false; error: ContractError };

/**
 * The control room's logic behind the contract. Every input is validated against the
 * contract's schema on arrival; a bad call gets a typed error, never an exception.
 */
export class ControlRoomService {
  constructor(private readonly redis: Redis) {}

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

  private async dispatch(method: Method, input: Record<string, unknown>): Promise<unknown> {
    switch (method) {
      case 'queues:list':
        return listQueues(this.redis);
      case 'queues:browse':
        return browseQueue(this.redis, input.queue as string, input.offset as number, input.limit as number);
      case 'queues:purge':
        return { purged: await purgeQueue(this.redis, input.queue as string) };
      case 'workers:list':
        return listWorkers(this.redis);
    }
  }
}
