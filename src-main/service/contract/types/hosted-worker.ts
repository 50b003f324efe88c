/** The worker the control room hosts: its status and the tasks it declares. */
import type { TaskParam } from '../../../core/task.js';

/** A task the hosted pool's module declares, for the Send form. */
export interface DeclaredTask {
  name: string;
  queue: string;
  params: TaskParam[];
}

export interface PoolStatus {
  running: boolean;
  /** The queues the pool consumes (none while it is stopped). */
  queues: string[];
  /** The user's task modules (the built-in tasks are always loaded too). */
  modules: string[];
  concurrency: number | null;
  name: string | null;
  /** Why the pool is not running when it should be (its module did not load, its worker died), in words to act on. */
  problem: string | null;
}
