import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { timeLimitExceeded, workerLost } from '../../errors.js';
import { serializeError } from '../executor.js';
import type { Job, Outcome, SerializedError, TaskInfo } from './messages.js';
import { forkSpawner, type ChildHandle, type Spawner } from './spawner.js';
import { Runtimes, SHORT_WAIT_SECONDS } from './runtimes.js';
import type { TaskPool } from './task-pool.js';

export interface ProcessPoolOptions {
  /** Number of child processes. */
  processes: number;
  /**
   * Jobs sent ahead to each child, running or waiting there (saves a round trip per task).
   * 'auto' sends ahead only behind jobs known to be short (see {@link SendAhead}). @default 'auto'
   */
  perChild?: number | 'auto';
  /** Jobs a child runs at once (async tasks interleave). @default 1 */
  childConcurrency?: number;
  /** Replace a child after it ran this many tasks (leaky task code). @default unlimited */
  maxTasksPerChild?: number;
  spawner?: Spawner;
  /** Called when a child dies or is replaced, for the worker's log. */
  onChildEvent?: (event: string) => void;
}

interface Running {
  job: Job;
  /** Its expected runtime in seconds when it was dispatched; Infinity when unknown. */
  expected: number;
  /** When the child started it (performance.now()), or null while it waits in the child. */
  started: number | null;
  resolve(outcome: Outcome): void;
  onProgress(meta: Record<string, unknown>): void;
  hardTimer?: NodeJS.Timeout;
}

interface Child {
  handle: ChildHandle;
  /** Jobs dispatched this turn, sent in one message. */
  outbox: Job[];
  /** How many of its jobs the child is running (the rest wait there, in dispatch order). */
  executing: number;
  /** Sum of the expected runtimes (seconds) of its jobs whose runtime is known. */
  expectedWork: number;
  /** How many of its jobs have no expected runtime yet. */
  unknown: number;
  ready: boolean;
  running: Map<string, Running>;
  done: number;
  /** Takes no new jobs (maxTasksPerChild reached, or about to be killed). */
  retiring: boolean;
  /** Being killed for a time limit: nothing more starts in it. */
  killed: boolean;
}

/**
 * `perChild: 'auto'`. A job sent to a busy child waits there behind the jobs it already has,
 * and nothing can take it back: a child running CPU-bound code does not read its messages. So
 * a job is sent ahead only when the jobs it would wait behind are known (from the runtimes
 * children reported for their task names) to end within `maxWaitSeconds` together. Short
 * tasks then go out in batches and skip the parent/child round trip; a long or not yet seen
 * task runs one at a time, as in Celery's fair scheduling (`-O fair`), and nothing waits
 * behind it in a child while another child is free.
 */
export const SendAhead = {
  /** Jobs in one child at most (running and waiting). */
  maxJobs: 64,
  /** Expected work a job sent ahead may wait behind, in seconds. */
  maxWaitSeconds: SHORT_WAIT_SECONDS,
} as const;

/** The child entry: compiled JS next to this file, or the TypeScript source under tsx. */
function childEntry(): string {
  const js = fileURLToPath(new URL('./child.js', import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL('./child.ts', import.meta.url));
}

/**
 * `-P process`: N child processes, each loading the task module once. A hard time limit kills
 * the child running the task and starts a new one; a child that dies for any reason is
 * replaced, and the worker never goes down with it.
 */
export class ProcessPool implements TaskPool {
  readonly kind = 'process';
  capacity: number;
  private processes: number;
  private readonly children = new Set<Child>();
  /** Children started and not ready yet: stop() must end these too, or one keeps the worker alive. */
  private readonly starting = new Set<ChildHandle>();
  private readonly waiting: Array<{ job: Job; onProgress: Running['onProgress']; resolve: Running['resolve'] }> = [];
  private readonly spawner: Spawner;
  private readonly perChild: number;
  private readonly auto: boolean;
  private readonly childConcurrency: number;
  private readonly runtimes = new Runtimes();
  private stopping = false;

  constructor(private readonly modulePaths: readonly string[], private readonly options: ProcessPoolOptions) {
    this.childConcurrency = Math.max(1, options.childConcurrency ?? 1);
    this.auto = (options.perChild ?? 'auto') === 'auto';
    this.perChild = Math.max(this.childConcurrency, this.auto ? SendAhead.maxJobs : (options.perChild as number));
    this.processes = options.processes;
    this.capacity = options.processes * this.childConcurrency;
    this.spawner = options.spawner ?? forkSpawner;
  }

  async start(): Promise<TaskInfo[]> {
    const infos = await Promise.all(Array.from({ length: this.processes }, () => this.spawn()));
    return infos[0] ?? [];
  }

  get size(): number {
    return this.processes;
  }

  /** New children start at once; children let go finish their jobs first, as Celery's shrink. */
  resize(n: number): void {
    if (this.processes + n < 1) throw new Error(`ValueError("Can't shrink the pool below one process")`);
    this.processes += n;
    this.capacity = this.processes * this.childConcurrency;
    for (let i = 0; i < n; i++) this.spawn().catch((err: unknown) => this.options.onChildEvent?.(`could not grow the pool: ${(err as Error).message}`));
    // The least busy go first.
    const letGo = [...this.children].filter((c) => !c.retiring).sort((a, b) => a.running.size - b.running.size).slice(0, Math.max(0, -n));
    for (const child of letGo) {
      child.retiring = true;
      if (child.running.size === 0) child.handle.send({ type: 'shutdown' });
    }
  }

  run(job: Job, onProgress: (meta: Record<string, unknown>) => void): Promise<Outcome> {
    return new Promise((resolve) => {
      this.waiting.push({ job, onProgress, resolve });
      this.dispatch();
    });
  }

  abort(taskId: string, reason: SerializedError): void {
    for (const child of this.children) if (child.running.has(taskId)) child.handle.send({ type: 'abort', taskId, reason });
  }

  drain(): void {
    this.stopping = true;
  }

  async stop(force = false): Promise<void> {
    this.stopping = true;
    const handles = [...[...this.children].map((c) => c.handle), ...this.starting];
    const exits = handles.map((h) => new Promise<void>((r) => h.onExit(() => r())));
    for (const handle of this.starting) handle.kill(); // it runs nothing yet
    for (const child of this.children) {
      if (force) child.handle.kill();
      else child.handle.send({ type: 'shutdown' });
    }
    const timer = setTimeout(() => handles.forEach((h) => h.kill()), force ? 0 : 5000);
    await Promise.all(exits);
    clearTimeout(timer);
  }

  /** Jobs in flight, for the worker's heartbeat and logs. */
  get active(): number {
    let n = 0;
    for (const c of this.children) n += c.running.size;
    return n;
  }

  /**
   * Starts a child and resolves with its tasks once it is ready. A child that fails to start
   * is killed, never put in the pool: it would take jobs and fail them all.
   */
  private spawn(): Promise<TaskInfo[]> {
    const handle = this.spawner.spawn(childEntry(), [String(this.childConcurrency), ...this.modulePaths]);
    const child: Child = { handle, outbox: [], executing: 0, expectedWork: 0, unknown: 0, ready: false, running: new Map(), done: 0, retiring: false, killed: false };
    this.starting.add(handle);
    return new Promise((resolve, reject) => {
      handle.onMessage((message) => {
        switch (message.type) {
          case 'ready':
            this.starting.delete(handle);
            if (this.stopping) {
              handle.kill();
              return reject(new Error('the pool stopped while this child started'));
            }
            child.ready = true;
            this.children.add(child);
            resolve(message.tasks);
            this.dispatch();
            break;
          case 'fatal':
            handle.kill();
            reject(new Error(`a pool child could not start: ${message.message}`));
            break;
          case 'progress':
            child.running.get(message.taskId)?.onProgress(message.meta);
            break;
          case 'done':
            for (const { taskId, outcome } of message.results) this.finish(child, taskId, outcome);
            break;
        }
      });
      handle.onExit((detail) => {
        this.starting.delete(handle);
        if (!child.ready) reject(new Error(`a pool child exited before it was ready (${detail})`));
        this.lost(child, detail);
      });
    });
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const expected = this.runtimes.get(this.waiting[0]!.job.name) ?? Infinity;
      const child = this.leastBusy(expected);
      if (!child) return;
      const { job, onProgress, resolve } = this.waiting.shift()!;
      const running: Running = { job, expected, started: null, resolve, onProgress };
      child.running.set(job.taskId, running);
      if (expected === Infinity) child.unknown++;
      else child.expectedWork += expected;
      this.startNext(child);
      if (child.outbox.length === 0) setImmediate(() => this.flushOutbox(child));
      child.outbox.push(job);
    }
  }

  /**
   * Sends a child the jobs dispatched to it this turn. A job the channel cannot encode (a
   * value that overflows the encoder's stack, say) must not end the worker, nor come back to
   * end the next one: the batch is sent again job by job, and each job that still cannot go is
   * rejected, to be dead-lettered with the reason.
   */
  private flushOutbox(child: Child): void {
    const jobs = child.outbox;
    child.outbox = [];
    try {
      child.handle.send({ type: 'run', jobs });
      return;
    } catch {
      // one of them; find which below
    }
    for (const job of jobs) {
      try {
        child.handle.send({ type: 'run', jobs: [job] });
      } catch (err) {
        this.finish(child, job.taskId, { kind: 'rejected', reason: `the job could not be sent to a pool child: ${(err as Error).message}`, runtime: 0 });
      }
    }
  }

  /**
   * Marks as started the jobs the child starts now: it runs them first come first served,
   * `childConcurrency` at a time, so the parent knows which without being told. A job's hard
   * time limit counts from then, not from its wait in the child.
   */
  private startNext(child: Child): void {
    for (const running of child.running.values()) {
      if (child.executing >= this.childConcurrency) return;
      if (running.started !== null) continue;
      running.started = performance.now();
      child.executing++;
      this.armHardLimit(child, running);
    }
  }

  private armHardLimit(child: Child, running: Running): void {
    const { job } = running;
    const hard = job.hardTimeLimit;
    if (!hard) return;
    running.hardTimer = setTimeout(() => {
      // Killing the child is the only way to stop code that ignores its AbortSignal.
      child.retiring = child.killed = true; // no new job may land or start on it from here on
      this.finish(child, job.taskId, { kind: 'failure', error: serializeError(timeLimitExceeded(hard)), runtime: hard });
      this.options.onChildEvent?.(`killed child ${child.handle.pid}: task ${job.name}[${job.taskId}] passed its ${hard}s time limit`);
      // The other tasks in that child did nothing wrong: they go back to their queue.
      for (const [taskId, other] of child.running) {
        const runtime = other.started === null ? 0 : (performance.now() - other.started) / 1000;
        this.finish(child, taskId, { kind: 'lost', innocent: true, error: serializeError(workerLost("killed for another task's time limit")), runtime });
      }
      child.handle.kill();
    }, hard * 1000);
  }

  /** The child with the fewest jobs that may take one more, expected to run `expected` s. */
  private leastBusy(expected: number): Child | undefined {
    let best: Child | undefined;
    for (const c of this.children) {
      if (!c.ready || c.retiring || !this.mayTake(c, expected)) continue;
      if (!best || c.running.size < best.running.size) best = c;
    }
    return best;
  }

  private mayTake(c: Child, expected: number): boolean {
    const n = c.running.size;
    if (n < this.childConcurrency) return true; // a free slot: it starts at once
    if (n >= this.perChild) return false;
    if (!this.auto) return true;
    // It would wait in the child: only behind jobs known to end soon, and only if it is short
    // itself (else a job sent after it would wait for it); a long one waits here, where any
    // child that frees up can take it.
    return c.unknown === 0 && c.expectedWork + expected <= SendAhead.maxWaitSeconds;
  }

  private finish(child: Child, taskId: string, outcome: Outcome): void {
    const running = child.running.get(taskId);
    if (!running) return;
    child.running.delete(taskId);
    if (running.hardTimer) clearTimeout(running.hardTimer);
    if (running.started !== null) child.executing--;
    if (running.expected === Infinity) child.unknown--;
    else child.expectedWork = Math.max(0, child.expectedWork - running.expected);
    if (outcome.kind !== 'lost' && outcome.kind !== 'rejected') this.runtimes.learn(running.job.name, outcome.runtime);
    child.done++;
    running.resolve(outcome);
    if (!child.killed) this.startNext(child);
    const max = this.options.maxTasksPerChild;
    if (max && child.done >= max && !child.retiring) {
      child.retiring = true;
      if (child.running.size === 0) child.handle.send({ type: 'shutdown' });
    } else if (child.retiring && child.running.size === 0) {
      child.handle.send({ type: 'shutdown' });
    }
    this.dispatch();
  }

  /** A child is gone: its jobs are lost (the worker fails or redelivers them); start another. */
  private lost(child: Child, detail: string): void {
    this.children.delete(child);
    for (const running of child.running.values()) {
      if (running.hardTimer) clearTimeout(running.hardTimer);
      // A job still waiting in the child never ran: it goes back to its queue whatever the policy.
      const started = running.started;
      const runtime = started === null ? 0 : (performance.now() - started) / 1000;
      running.resolve({ kind: 'lost', innocent: started === null, error: serializeError(workerLost(detail)), runtime });
    }
    child.running.clear();
    if (this.stopping || !child.ready) return;
    // As many children as the pool's size: one let go by a shrink is not replaced.
    if (this.children.size + this.starting.size >= this.processes) return;
    if (!child.retiring) this.options.onChildEvent?.(`child ${child.handle.pid} ${detail}; starting a new one`);
    this.spawn().catch((err: unknown) => this.options.onChildEvent?.(`could not replace a child: ${(err as Error).message}`));
  }
}
