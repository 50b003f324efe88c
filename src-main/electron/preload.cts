/**
 * The preload: the only bridge between the sandboxed page and the main process. It exposes
 * `window.celeriac.call(method, input)` and `window.celeriac.on(event, fn)` — nothing else,
 * and never ipcRenderer itself. CommonJS and self-contained: sandboxed preloads cannot import.
 */
import type { IpcRendererEvent } from 'electron';
import electron = require('electron');

const { contextBridge, ipcRenderer, webUtils } = electron;

const CALL_CHANNEL = 'celeriac:call';
const EVENT_CHANNEL = 'celeriac:event';

type Listener = (data: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

ipcRenderer.on(EVENT_CHANNEL, (_e: IpcRendererEvent, event: string, data: unknown) => {
  listeners.get(event)?.forEach((fn) => fn(data));
});

contextBridge.exposeInMainWorld('celeriac', {
  call(method: string, input: unknown): Promise<unknown> {
    return ipcRenderer.invoke(CALL_CHANNEL, String(method), input);
  },
  on(event: string, fn: Listener): () => void {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set!.delete(fn);
  },
  /** The real path of a dropped file (main checks it again before use). */
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file);
  },
});
