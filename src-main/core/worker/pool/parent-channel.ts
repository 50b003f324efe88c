/**
 * The way back to the process that started this one: Node's IPC channel (child_process.fork),
 * or `process.parentPort` in an Electron utility process. The same code runs under either, and
 * core stays free of Electron.
 */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

/** Whether this process is an Electron utility process (which exits rather than disconnects). */
export const underUtilityProcess = parentPort !== undefined;

export function sendToParent(message: unknown): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

export function onParentMessage<M>(listener: (message: M) => void): void {
  if (parentPort) parentPort.on('message', (e) => listener(e.data as M));
  else process.on('message', (m) => listener(m as M));
}
