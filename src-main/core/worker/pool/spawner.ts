import { fork } from 'node:child_process';
import type { ChildMessage, ParentMessage } from './messages.js';

/**
 * A running child as its parent sees it; Node's ChildProcess and Electron's UtilityProcess both
 * fit. The messages are the pool's protocol unless said otherwise (the control room's hosted
 * worker speaks its own).
 */
export interface ChildHandle<Out = ParentMessage, In = ChildMessage> {
  readonly pid: number | undefined;
  send(message: Out): void;
  onMessage(listener: (message: In) => void): void;
  /** Called once, whatever ended the child (exit, crash, kill). */
  onExit(listener: (detail: string) => void): void;
  kill(): void;
}

/**
 * Starts pool children. An interface so the Electron main process can use
 * `utilityProcess.fork` without core knowing Electron exists.
 */
export interface Spawner {
  /**
   * @param entry the child's entry module (pool/child.js, or child.ts under tsx)
   * @param args its arguments (the task module path)
   */
  spawn<Out = ParentMessage, In = ChildMessage>(entry: string, args: string[]): ChildHandle<Out, In>;
}

/**
 * tsx's loader as this package resolves it. A bare `--import tsx` is resolved from the working
 * folder, so a worker started where there is no node_modules/tsx (a task file in a folder of its
 * own) had children that could not start.
 */
export function tsxLoader(): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return 'tsx'; // no resolver here (a bundle): the working folder's, as before
  }
}

/** The parent's Node options with tsx's loader once, whatever form the parent was given it in. */
export function withTsx(execArgv: readonly string[], loader = tsxLoader()): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    if (a === '--import' && (execArgv[i + 1] === 'tsx' || execArgv[i + 1] === loader)) {
      i++;
      continue;
    }
    if (a === '--import=tsx' || a === `--import=${loader}`) continue;
    out.push(a);
  }
  return [...out, '--import', loader];
}

/** The default spawner: `child_process.fork`, with tsx when the entry or the tasks are TypeScript. */
export const forkSpawner: Spawner = {
  spawn<Out, In>(entry: string, args: string[]): ChildHandle<Out, In> {
    const needsTsx = [entry, ...args].some((a) => /\.(c|m)?tsx?$/.test(a));
    const child = fork(entry, args, {
      execArgv: needsTsx ? withTsx(process.execArgv) : process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
      // Inside Electron (the desktop app's hosted worker, a utility process) the executable is
      // Electron's: this makes it the Node.js it would be anywhere else.
      env: process.versions.electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : process.env,
    });
    // Every listener hears about the end once, whichever of 'exit' or 'error' comes first.
    const exitListeners: Array<(detail: string) => void> = [];
    let ended: string | null = null;
    const end = (detail: string): void => {
      if (ended !== null) return;
      ended = detail;
      for (const l of exitListeners) l(detail);
    };
    child.on('exit', (code, signal) => end(signal ? `killed by ${signal}` : `exited with code ${code}`));
    child.on('error', (err) => end(`failed: ${err.message}`));
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (child.connected) child.send(message as object);
      },
      onMessage(listener) {
        child.on('message', (m) => listener(m as In));
      },
      onExit(listener) {
        if (ended !== null) listener(ended);
        else exitListeners.push(listener);
      },
      kill() {
        child.kill('SIGKILL');
      },
    };
  },
};
