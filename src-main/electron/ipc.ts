/**
 * The contract over Electron's IPC: `ipcMain.handle` for calls, `webContents.send` for events.
 * Every call is checked before it runs: it must come from the app's own page (the sender
 * frame's URL) and from its main frame, and its input must pass the contract's schema. Electron itself is
 * only seen through the narrow interfaces below, so a fake ipcMain can test all of it.
 */
import type { ContractError, EventName } from '../service/contract.js';
import { parseCall, type CallResult, type ContractHandler } from '../service/handler.js';
import { CALL_CHANNEL, EVENT_CHANNEL } from './channels.js';

/** What ipc.ts uses of an IpcMainInvokeEvent. */
export interface InvokeEventLike {
  /** `parent` is null for a window's main frame (Electron's WebFrameMain). */
  senderFrame: { url: string; parent: unknown } | null;
}

/** What ipc.ts uses of Electron's ipcMain. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
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
export function serveContractOverIpc(ipcMain: IpcMainLike, handler: ContractHandler, options: IpcOptions): () => void {
  ipcMain.handle(CALL_CHANNEL, async (event, method, input): Promise<CallResult<never>> => {
    const url = event.senderFrame?.url ?? '';
    if (!options.isTrustedUrl(url)) return forbidden(`calls are accepted only from the Celeriac window, not from ${url || 'an unknown frame'}`);
    // As VS Code's validatedIpcMain: the app's origin is not enough, an iframe of it (a page
    // shown inside the window) must not reach the back end either. Only the main frame may.
    if (event.senderFrame?.parent !== null) return forbidden('calls are accepted only from the main frame of the Celeriac window, not from a frame inside it');
    const parsed = parseCall(method, input);
    if (!parsed.ok) return parsed;
    try {
      return (await handler.call(parsed.method, parsed.input)) as CallResult<never>;
    } catch (err) {
      return { ok: false, error: { code: 'E_INTERNAL', message: `the control room failed on ${parsed.method}: ${(err as Error)?.message ?? String(err)}` } };
    }
  });
  const unsubscribe = handler.onEvent((event: EventName, data: unknown) => {
    for (const target of options.targets()) if (!target.isDestroyed()) target.send(EVENT_CHANNEL, event, data);
  });
  return () => {
    unsubscribe();
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
