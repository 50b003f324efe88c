/**
 * The control room's hosted worker as an Electron utility process (a Node.js process the main
 * process starts whatever the fuses say). Its own pool children are forked from it with
 * ELECTRON_RUN_AS_NODE=1, which needs the `runAsNode` fuse on (electron-builder.yml).
 */
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
    spawn<Out, In>(entry: string, args: string[]): ChildHandle<Out, In> {
      const needsTsx = [entry, ...args].some((a) => /\.(c|m)?tsx?$/.test(a));
      const child = fork(entry, args, { serviceName: 'Celeriac worker', stdio: 'inherit', execArgv: needsTsx ? ['--import', 'tsx'] : undefined });
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
        send(message: Out) {
          if (ended === null) child.postMessage(message);
        },
        onMessage(listener: (message: In) => void) {
          child.on('message', (m: unknown) => listener(m as In));
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
