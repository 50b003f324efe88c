import { hostname } from 'node:os';
import type { App } from '../core/app.js';
import type { TaskParam } from '../core/task.js';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { loadTasks, resolveTaskModule } from '../core/worker/loader.js';
import { Worker } from '../core/worker/worker.js';
import type { Spawner } from '../core/worker/pool/spawner.js';

/** A task the hosted pool's module declares, for the Send form. */
export interface DeclaredTask {
  name: string;
  queue: string;
  params: TaskParam[];
}

/** The built-in tasks (src-main/tasks), compiled or as source: the pool always loads them. */
export function builtInTasksModule(): string {
  const js = fileURLToPath(new URL('../tasks/index.js', import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL('../tasks/index.ts', import.meta.url));
}

export interface PoolStatus {
  running: boolean;
  /** The user's task modules (the built-in tasks are always loaded too). */
  modules: string[];
  concurrency: number | null;
  name: string | null;
}

/**
 * The worker pool the control room hosts (child processes, or Electron's utilityProcess
 * through `spawner`), on the Redis the control room shows. It also reads its module's task
 * declarations, from which the Send view builds its forms.
 */
export class LocalPool {
  private worker: Worker | null = null;
  private modules: string[] = [];
  private declared: DeclaredTask[] = [];
  private builtIns: Promise<DeclaredTask[]> | undefined;

  constructor(private readonly app: App, private readonly spawner?: Spawner) {}

  /** Starts a pool on the built-in tasks and these task modules (stopping the one that runs). */
  async start(modules: string[], concurrency: number, queues: string[] = ['celery']): Promise<PoolStatus> {
    await this.stop();
    const paths = [builtInTasksModule(), ...modules.map((m) => resolveTaskModule(m))];
    // The broker the modules' own createApp() should use, in this process and the children.
    process.env.CELERIAC_BROKER_URL = this.app.brokerUrl;
    const tasks = await loadTasks(paths);
    this.declared = declarationsOf(tasks);
    const worker = new Worker({ module: paths, broker: this.app.brokerUrl, backend: this.app.backendUrl, redisOptions: this.app.redisOptions, concurrency, queues, name: `celeriac-local@${hostname()}`, spawner: this.spawner });
    await worker.start();
    this.worker = worker;
    this.modules = modules;
    return this.status();
  }

  async stop(): Promise<PoolStatus> {
    const w = this.worker;
    this.worker = null;
    await w?.stop();
    return this.status();
  }

  status(): PoolStatus {
    const o = this.worker?.options;
    return { running: this.worker !== null, modules: this.modules, concurrency: o?.concurrency ?? null, name: o?.name ?? null };
  }

  /** Tasks the loaded module declares (empty before a module is loaded). */
  /**
   * What the pool's modules declare; while no pool runs, the built-in tasks' declarations (a
   * remote worker loading `celeriac/tasks` runs them, and the forms and batches still need them).
   */
  async tasks(): Promise<DeclaredTask[]> {
    if (this.worker || this.declared.length > 0) return this.declared;
    this.builtIns ??= loadTasks([builtInTasksModule()]).then((tasks) => declarationsOf(tasks));
    return this.builtIns;
  }
}

function declarationsOf(tasks: Awaited<ReturnType<typeof loadTasks>>): DeclaredTask[] {
  return [...tasks.values()].map((t) => ({ name: t.name, queue: t.options.queue ?? 'celery', params: t.options.params ?? [] }));
}
