import { timeLimitExceeded } from '../../errors.js';
import { runJob, serializeError, taskInfo } from '../executor.js';
import { loadTasks } from '../loader.js';
import type { Job, Outcome, SerializedError, TaskInfo } from './messages.js';
import type { TaskPool } from './task-pool.js';

/**
 * `-P async`: tasks run in the worker's own process, `concurrency` promises in flight (the
 * worker holds more claims than that: they wait here for a slot, as in a process child). For
 * I/O-bound tasks; a CPU-bound task blocks the worker. A hard time limit fails the task but
 * cannot stop its code (only a process can be killed): prefer `-P process` for untrusted work.
 */
export class AsyncPool implements TaskPool {
  readonly kind = 'async';
  private tasks: Awaited<ReturnType<typeof loadTasks>> | null = null;
  private readonly running = new Map<string, (reason: unknown) => void>();
  /** Jobs waiting for a slot, oldest first: each is handed the slot of a job that ends. */
  private readonly waiting: Array<{ taskId: string; start: (reason: SerializedError | null) => void }> = [];
  private inFlight = 0;

  constructor(private readonly modulePaths: readonly string[], public capacity: number) {}

  get size(): number {
    return this.capacity;
  }

  resize(n: number): void {
    if (this.capacity + n < 1) throw new Error(`ValueError("Can't shrink the pool below one slot")`);
    this.capacity += n;
    // Slots that are free now go to the jobs waiting for one.
    while (this.inFlight < this.capacity && this.waiting.length > 0) {
      this.inFlight++;
      this.waiting.shift()!.start(null);
    }
  }

  async start(): Promise<TaskInfo[]> {
    this.tasks = await loadTasks(this.modulePaths);
    return [...this.tasks.values()].map(taskInfo);
  }

  async run(job: Job, onProgress: (meta: Record<string, unknown>) => void): Promise<Outcome> {
    const task = this.tasks?.get(job.name);
    if (!task) return { kind: 'failure', error: serializeError(new Error(`task ${job.name} is not in the pool`)), runtime: 0 };
    if (this.inFlight < this.capacity) this.inFlight++;
    else {
      // Aborted while it waited (revoked with terminate): it never starts, and holds no slot.
      const aborted = await new Promise<SerializedError | null>((start) => this.waiting.push({ taskId: job.taskId, start }));
      if (aborted) return { kind: 'failure', error: aborted, runtime: 0 };
    }
    let abort: (reason: unknown) => void = () => undefined;
    const run = runJob(task, job, { progress: onProgress, onAbortable: (fn) => (abort = fn) });
    this.running.set(job.taskId, abort);
    const hard = job.hardTimeLimit;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (!hard) return await run;
      const limit = new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => {
          abort(timeLimitExceeded(hard));
          resolve({ kind: 'failure', error: serializeError(timeLimitExceeded(hard)), runtime: hard });
        }, hard * 1000);
      });
      return await Promise.race([run, limit]);
    } finally {
      if (timer) clearTimeout(timer);
      this.running.delete(job.taskId);
      this.release();
    }
  }

  /**
   * A slot is free: the next job waiting takes it, without the count going down in between
   * (a job arriving meanwhile would take it too, and one more than `capacity` would run).
   */
  private release(): void {
    // After a shrink there may be more in flight than slots: then the slot goes away.
    const next = this.inFlight <= this.capacity ? this.waiting.shift() : undefined;
    if (next) next.start(null);
    else this.inFlight--;
  }

  abort(taskId: string, reason: SerializedError): void {
    const running = this.running.get(taskId);
    if (running) return running(reason);
    const i = this.waiting.findIndex((w) => w.taskId === taskId);
    if (i >= 0) this.waiting.splice(i, 1)[0]!.start(reason);
  }

  drain(): void {
    // nothing to replace: jobs run in this process
  }

  async stop(): Promise<void> {
    this.running.clear();
  }
}
