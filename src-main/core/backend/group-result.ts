/**
 * A group's results, as Celery's GroupResult: its id, its members' AsyncResults in order, and
 * save / restore in `celery-taskset-meta-<id>` exactly as Celery writes it (Celery's
 * backends/base.py `_save_group`).
 */
import type { AsyncResult, GetOptions } from './async-result.js';
import type { RedisBackend } from './redis-backend.js';
import { FAILURE, READY_STATES, SUCCESS } from './states.js';
import { groupTuple, taskTuple, type ResultTuple } from '../canvas/result-tuple.js';

export class GroupResult<T = unknown> {
  constructor(
    /** The group id (each member's `group` header). */
    readonly id: string,
    readonly results: AsyncResult<T>[],
    private readonly backend: RedisBackend,
    /** Remote control, for revoke(); absent on a GroupResult read from a task's children. */
    private readonly control: { revoke(ids: string[], options?: { terminate?: boolean }): Promise<unknown> } | null = null,
  ) {}

  /** Revokes every member (terminate: also those running). */
  async revoke(options: { terminate?: boolean } = {}): Promise<void> {
    if (!this.control) throw new Error('this GroupResult has no app to revoke through: use app.restoreGroup(id)');
    await this.control.revoke(this.results.map((r) => r.id), options);
  }

  /** Every member's value, in order. @throws the first member failure, as Celery's get() (propagate) */
  async get(options: GetOptions = {}): Promise<T[]> {
    const end = options.timeout === undefined ? undefined : Date.now() + options.timeout;
    const values: T[] = [];
    for (const r of this.results) values.push(await r.get({ ...options, timeout: end === undefined ? undefined : Math.max(0, end - Date.now()) }));
    return values;
  }

  /** True when every member has finished. */
  async ready(): Promise<boolean> {
    return (await this.states()).every((s) => READY_STATES.has(s));
  }

  /** True when every member succeeded. */
  async successful(): Promise<boolean> {
    return (await this.states()).every((s) => s === SUCCESS);
  }

  /** True when any member failed. */
  async failed(): Promise<boolean> {
    return (await this.states()).some((s) => s === FAILURE);
  }

  /** How many members have succeeded (Celery's completed_count). */
  async completedCount(): Promise<number> {
    return (await this.states()).filter((s) => s === SUCCESS).length;
  }

  /** Stores the group so that `app.restoreGroup(id)` (or Python's GroupResult.restore) finds it. */
  async save(): Promise<void> {
    await this.backend.saveGroup(this.id, this.asTuple());
  }

  /** Forgets the saved group. */
  async delete(): Promise<void> {
    await this.backend.forgetGroup(this.id);
  }

  /** Celery's tuple form: `[[gid, null], [[[id, null], null], ...]]`. */
  asTuple(): ResultTuple {
    return groupTuple(this.id, this.results.map((r) => taskTuple(r.id)));
  }

  private async states(): Promise<string[]> {
    const metas = await this.backend.getMany(this.results.map((r) => r.id));
    return metas.map((m) => m?.status ?? 'PENDING');
  }

  toString(): string {
    return this.id;
  }
}
