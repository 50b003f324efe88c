import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { App } from '../../core/app.js';
import { loadTasks, resolveTaskModule } from '../../core/worker/loader.js';
import { forkSpawner, type ChildHandle, type Spawner } from '../../core/worker/pool/spawner.js';
import { builtInTasksModule } from '../../core/worker/built-in-tasks.js';
import type { HostedWorkerCommand, HostedWorkerReply } from './worker-process.js';
import type { DeclaredTask, PoolStatus } from '../contract/types/hosted-worker.js';

// The built-in tasks (src-main/tasks): the pool always loads them.

/**
 * The queue a pool hosted on someone else's Redis consumes: its own, named for the control
 * room's machine, so the shop's workers and this pool never take each other's tasks.
 */
export function roomQueueName(): string {
  return `celeriac.room.${hostname()}`;
}

/** The hosted worker's entry: compiled, or the source under tsx (tests). */
function hostedWorkerEntry(): string {
  const js = fileURLToPath(new URL('./worker-process.js', import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL('./worker-process.ts', import.meta.url));
}

interface Hosted {
  handle: ChildHandle<HostedWorkerCommand, HostedWorkerReply>;
  concurrency: number;
  name: string;
  /** Resolves when the process has ended (however), with how. */
  exited: Promise<string>;
}

/**
 * The worker pool the control room hosts, on the Redis the control room shows: a worker in a
 * process of its own (hosted-worker.ts: a fork, or Electron's utilityProcess through
 * `spawner`) with its pool children below it. It also reads its modules' task declarations,
 * from which the Send view builds its forms.
 */
export class HostedWorker {
  private hosted: Hosted | null = null;
  private modules: string[] = [];
  private queues: string[] = [];
  private declared: DeclaredTask[] = [];
  private builtIns: Promise<DeclaredTask[]> | undefined;
  /** Why the last start failed, or why the worker ended on its own; null while all is well. */
  problem: string | null = null;

  constructor(private readonly app: App, private readonly spawner: Spawner = forkSpawner) {}

  /** Starts a pool on the built-in tasks and these task modules (stopping the one that runs). */
  /** @param queues what it consumes: Local's `celery`, elsewhere the room's own queue (the caller says which) */
  async start(modules: string[], concurrency: number, queues: string[]): Promise<PoolStatus> {
    try {
      const status = await this.startWorker(modules, concurrency, queues);
      this.problem = null;
      return status;
    } catch (err) {
      this.problem = `the hosted worker pool is not running: ${(err as Error).message}`;
      throw err;
    }
  }

  private async startWorker(modules: string[], concurrency: number, queues: string[]): Promise<PoolStatus> {
    await this.stop();
    const paths = [builtInTasksModule(), ...modules.map((m) => resolveTaskModule(m))];
    // The broker the modules' own createApp() should use, here as in the worker's process.
    process.env.CELERIAC_BROKER_URL = this.app.brokerUrl;
    // Read here too: a module that does not load fails the call with its own message.
    this.declared = declarationsOf(await loadTasks(paths));
    const name = `celeriac-local@${hostname()}`;
    // The modules go in its arguments too: what `ps` shows, and how the spawner knows that
    // TypeScript modules need tsx in that process.
    const handle = this.spawner.spawn<HostedWorkerCommand, HostedWorkerReply>(hostedWorkerEntry(), paths);
    const exited = new Promise<string>((resolve) => handle.onExit(resolve));
    const ready = new Promise<void>((resolve, reject) => {
      handle.onMessage((reply) => (reply.type === 'ready' ? resolve() : reject(new Error(`the hosted worker could not start: ${reply.message}`))));
      void exited.then((detail) => reject(new Error(`the hosted worker ${detail} before it was ready`)));
    });
    // Task events on from the start (-E): the control room that hosts it follows it anyway, and
    // would otherwise turn them on with its next enable_events cast, up to 5 s later.
    handle.send({ type: 'start', options: { module: paths, broker: this.app.brokerUrl, backend: this.app.backendUrl, redisOptions: this.app.redisOptions, concurrency, queues, name, events: true } });
    const hosted: Hosted = { handle, concurrency, name, exited };
    try {
      await ready;
    } catch (err) {
      handle.kill();
      throw err;
    }
    this.hosted = hosted;
    this.modules = modules;
    this.queues = queues;
    // A worker that ends on its own (killed, crashed) shows as stopped.
    void hosted.exited.then((detail) => {
      if (this.hosted !== hosted) return;
      this.hosted = null;
      this.problem = `the hosted worker pool stopped on its own (${detail}); use the connection again (Connections, Use) or restart the control room to start it again`;
    });
    return this.status();
  }

  /** Stops the worker as `celeriac worker` stops on SIGTERM: running tasks finish, claims go back. */
  async stop(): Promise<PoolStatus> {
    const hosted = this.hosted;
    this.hosted = null;
    if (hosted) {
      hosted.handle.send({ type: 'stop' });
      // The worker's own grace period (30 s) and a little more; then it is killed.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 40_000)));
      if ((await Promise.race([hosted.exited, late])) === 'late') hosted.handle.kill();
      clearTimeout(timer);
    }
    return this.status();
  }

  status(): PoolStatus {
    const h = this.hosted;
    return { running: h !== null, queues: h ? this.queues : [], modules: this.modules, concurrency: h?.concurrency ?? null, name: h?.name ?? null, problem: this.problem };
  }

  /**
   * Where a task the pool runs is sent when the sender names no queue: the pool's own queue
   * when it consumes one (a pool on another's Redis); undefined leaves the task's own routing.
   */
  queueFor(task: string): string | undefined {
    if (!this.hosted || this.queues.includes('celery')) return undefined;
    return this.declared.some((t) => t.name === task) ? this.queues[0] : undefined;
  }

  /**
   * What the pool's modules declare; while no pool runs, the built-in tasks' declarations (a
   * remote worker loading `celeriac/tasks` runs them, and the forms and batches still need them).
   */
  async tasks(): Promise<DeclaredTask[]> {
    if (this.hosted || this.declared.length > 0) return this.declared;
    this.builtIns ??= loadTasks([builtInTasksModule()]).then((tasks) => declarationsOf(tasks));
    return this.builtIns;
  }
}

function declarationsOf(tasks: Awaited<ReturnType<typeof loadTasks>>): DeclaredTask[] {
  return [...tasks.values()].map((t) => ({ name: t.name, queue: t.options.queue ?? 'celery', params: t.options.params ?? [] }));
}
