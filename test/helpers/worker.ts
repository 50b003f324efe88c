import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from '../../src-main/core/worker/worker.js';
import type { WorkerOptions } from '../../src-main/core/worker/options.js';
import { CLI } from './cli.js';

/** The worker tests' task module. */
export const TASKS = fileURLToPath(new URL('../fixtures/tasks/basic.ts', import.meta.url));

/** Starts an in-process Worker (its children are real processes) on a private Redis. */
export async function startWorker(brokerUrl: string, options: Partial<WorkerOptions> = {}): Promise<Worker> {
  process.env.CELERIAC_BROKER_URL = brokerUrl; // for the task module's createApp() in the children
  const worker = new Worker({ module: TASKS, broker: brokerUrl, concurrency: 2, ...options });
  await worker.start();
  return worker;
}

export interface WorkerProcess {
  process: ChildProcess;
  log(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts `celeriac worker` as its own process, as users run it, and waits until it is ready. */
export async function startWorkerProcess(brokerUrl: string, args: string[] = [], options: { prefix?: string[]; env?: Record<string, string> } = {}): Promise<WorkerProcess> {
  // A prefix runs it through another command (`ip netns exec <ns>`: on a host of its own).
  const [command, ...rest] = [...(options.prefix ?? []), process.execPath, CLI, 'worker', '-A', TASKS, '-b', brokerUrl, '-l', 'info', ...args];
  const proc = spawn(command!, rest, {
    env: { ...process.env, ...options.env, CELERIAC_BROKER_URL: brokerUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not become ready:\n${log}`)), 30_000);
    const check = (): void => {
      if (log.includes(' ready.')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited with ${code}:\n${log}`));
    });
  });
  return { process: proc, log: () => log, exited };
}
