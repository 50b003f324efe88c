import { fork } from 'node:child_process';
import type { ChildMessage, ParentMessage } from './messages.js';

/** A running child as the pool sees it; Node's ChildProcess and Electron's UtilityProcess both fit. */
export interface ChildHandle {
  readonly pid: number | undefined;
  send(message: ParentMessage): void;
  onMessage(listener: (message: ChildMessage) => void): void;
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
  spawn(entry: string, args: string[]): ChildHandle;
}

/** The default spawner: `child_process.fork`, with tsx when the entry or the tasks are TypeScript. */
export const forkSpawner: Spawner = {
  spawn(entry, args) {
    const needsTsx = [entry, ...args].some((a) => /\.(c|m)?tsx?$/.test(a));
    const child = fork(entry, args, {
      execArgv: needsTsx ? [...process.execArgv.filter((a) => a !== '--import' && a !== 'tsx'), '--import', 'tsx'] : process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
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
        if (child.connected) child.send(message);
      },
      onMessage(listener) {
        child.on('message', (m) => listener(m as ChildMessage));
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
