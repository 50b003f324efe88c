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
const SUBSCRIBE_CHANNEL = 'celeriac:subscribe';

type Listener = (data: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

/** Tells main which events this page listens to now: a page not showing tasks is not sent thousands of task changes. */
function sendSubscription(): void {
  ipcRenderer.send(SUBSCRIBE_CHANNEL, [...listeners].filter(([, set]) => set.size > 0).map(([name]) => name));
}

ipcRenderer.on(EVENT_CHANNEL, (_e: IpcRendererEvent, event: string, data: unknown) => {
  listeners.get(event)?.forEach((fn) => fn(data));
});

contextBridge.exposeInMainWorld('celeriac', {
  call(method: string, input: unknown): Promise<unknown> {
    return ipcRenderer.invoke(CALL_CHANNEL, String(method), input);
  },
  on(event: string, fn: Listener): () => void {
    const name = String(event);
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    set.add(fn);
    if (set.size === 1) sendSubscription();
    return () => {
      if (set!.delete(fn) && set!.size === 0) sendSubscription();
    };
  },
  /** The real path of a dropped file (main checks it again before use). */
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file);
  },
});
