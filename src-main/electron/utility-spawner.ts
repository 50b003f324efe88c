/**
 * The pool's children as Electron utility processes. `child_process.fork` would need the
 * `runAsNode` fuse, which a hardened build turns off; `utilityProcess.fork` does not.
 */
import type { ChildMessage, ParentMessage } from '../core/worker/pool/messages.js';
import type { ChildHandle, Spawner } from '../core/worker/pool/spawner.js';

/** What the spawner uses of Electron's UtilityProcess (a fake stands in for it in tests). */
export interface UtilityProcessLike {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export type UtilityFork = (modulePath: string, args: string[], options: { serviceName: string; stdio: 'inherit'; execArgv?: string[] }) => UtilityProcessLike;

export function utilityProcessSpawner(fork: UtilityFork): Spawner {
  return {
    spawn(entry, args): ChildHandle {
      const needsTsx = [entry, ...args].some((a) => /\.(c|m)?tsx?$/.test(a));
      const child = fork(entry, args, { serviceName: 'Celeriac pool child', stdio: 'inherit', execArgv: needsTsx ? ['--import', 'tsx'] : undefined });
      let ended: string | null = null;
      const exitListeners: Array<(detail: string) => void> = [];
      child.on('exit', (code: number) => {
        if (ended !== null) return;
        ended = `exited with code ${code}`;
        for (const l of exitListeners) l(ended);
      });
      return {
        get pid() {
          return child.pid;
        },
        send(message: ParentMessage) {
          if (ended === null) child.postMessage(message);
        },
        onMessage(listener: (message: ChildMessage) => void) {
          child.on('message', (m: unknown) => listener(m as ChildMessage));
        },
        onExit(listener) {
          if (ended !== null) listener(ended);
          else exitListeners.push(listener);
        },
        kill() {
          child.kill();
        },
      };
    },
  };
}
