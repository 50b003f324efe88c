/**
 * The contract over Electron's IPC: `ipcMain.handle` for calls, `webContents.send` for events,
 * a one-way message for which events a window listens to. Every call and subscription is
 * checked for its sender before anything else: it must come from the app's own page (the sender
 * frame's URL) and from its main frame. Parsing, read-only rules and subscriptions are the call
 * server's (service/calls), as over the WebSocket. Electron itself is only seen through the
 * narrow interfaces below, so a fake ipcMain can test all of it.
 */
import type { ContractError } from '../service/contract/index.js';
import type { CallBackend } from '../service/calls/call-backend.js';
import { CallServer } from '../service/calls/call-server.js';
import type { CallResult } from '../service/calls/call-result.js';
import { CALL_CHANNEL, EVENT_CHANNEL, SUBSCRIBE_CHANNEL } from './channels.js';

/** What ipc.ts uses of an IpcMainInvokeEvent / IpcMainEvent. */
export interface InvokeEventLike {
  /** `parent` is null for a window's main frame (Electron's WebFrameMain). */
  senderFrame: { url: string; parent: unknown } | null;
  /** The window's webContents: the same object events are sent to. */
  sender?: object;
}

/** What ipc.ts uses of Electron's ipcMain. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => void): void;
  removeListener(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => void): void;
}

/** Where events go: the window's webContents. */
export interface EventTarget {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export interface IpcOptions {
  /** Whether a frame URL is the app's own page (app://celeriac/…, or the dev server in development). */
  isTrustedUrl(url: string): boolean;
  /** The window(s) the back end's events go to. */
  targets(): EventTarget[];
}

const forbidden = (why: string): { ok: false; error: ContractError } => ({ ok: false, error: { code: 'E_FORBIDDEN', message: why } });

/** Serves the contract until the returned function is called. */
export function serveContractOverIpc(ipcMain: IpcMainLike, backend: CallBackend, options: IpcOptions): () => void {
  const calls = new CallServer(backend);
  /** Why a sender may not reach the back end, or null when it may. */
  const refusal = (event: InvokeEventLike): string | null => {
    const url = event.senderFrame?.url ?? '';
    if (!options.isTrustedUrl(url)) return `calls are accepted only from the Celeriac window, not from ${url || 'an unknown frame'}`;
    // As VS Code's validatedIpcMain: the app's origin is not enough, an iframe of it (a page
    // shown inside the window) must not reach the back end either. Only the main frame may.
    if (event.senderFrame?.parent !== null) return 'calls are accepted only from the main frame of the Celeriac window, not from a frame inside it';
    return null;
  };
  ipcMain.handle(CALL_CHANNEL, async (event, method, input): Promise<CallResult<never>> => {
    const why = refusal(event);
    return why ? forbidden(why) : ((await calls.call(method, input)) as CallResult<never>);
  });
  const onSubscribe = (event: InvokeEventLike, events: unknown): void => {
    if (refusal(event) === null && event.sender) calls.subscribe(event.sender, events);
  };
  ipcMain.on(SUBSCRIBE_CHANNEL, onSubscribe);
  const unsubscribe = calls.onEvent((event, data, wants) => {
    for (const target of options.targets()) if (!target.isDestroyed() && wants(target)) target.send(EVENT_CHANNEL, event, data);
  });
  return () => {
    unsubscribe();
    ipcMain.removeListener(SUBSCRIBE_CHANNEL, onSubscribe);
    ipcMain.removeHandler(CALL_CHANNEL);
  };
}

/**
 * The app's page URLs: its own `app://celeriac/` scheme, plus the Vite dev server's origin in
 * development. Compared by origin, never by prefix, so `app://celeriac.evil/` fails.
 */
export function trustedUrlCheck(devServer?: string): (url: string) => boolean {
  const allowed = new Set(['app://celeriac']);
  if (devServer) allowed.add(new URL(devServer).origin);
  return (url) => {
    try {
      const u = new URL(url);
      return allowed.has(u.protocol === 'app:' ? `app://${u.host}` : u.origin);
    } catch {
      return false;
    }
  };
}
