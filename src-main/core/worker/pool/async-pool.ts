import { timeLimitExceeded } from '../../errors.js';
import { runJob, serializeError, taskInfo } from '../executor.js';
import { loadTasks } from '../loader.js';
import type { Job, Outcome, SerializedError, TaskInfo } from './messages.js';
import type { TaskPool } from './task-pool.js';

/**
 * `-P async`: tasks run in the worker's own process, `concurrency` promises in flight. For
 * I/O-bound tasks; a CPU-bound task blocks the worker. A hard time limit fails the task but
 * cannot stop its code (only a process can be killed): prefer `-P process` for untrusted work.
 */
export class AsyncPool implements TaskPool {
  readonly kind = 'async';
  private tasks: Awaited<ReturnType<typeof loadTasks>> | null = null;
  private readonly running = new Map<string, (reason: unknown) => void>();

  constructor(private readonly modulePaths: readonly string[], readonly capacity: number) {}

  async start(): Promise<TaskInfo[]> {
    this.tasks = await loadTasks(this.modulePaths);
    return [...this.tasks.values()].map(taskInfo);
  }

  async run(job: Job, onProgress: (meta: Record<string, unknown>) => void): Promise<Outcome> {
    const task = this.tasks?.get(job.name);
    if (!task) return { kind: 'failure', error: serializeError(new Error(`task ${job.name} is not in the pool`)), runtime: 0 };
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
    }
  }

  abort(taskId: string, reason: SerializedError): void {
    this.running.get(taskId)?.(reason);
  }

  async stop(): Promise<void> {
    this.running.clear();
  }
}
