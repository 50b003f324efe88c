/**
 * The Electron IPC adapter against a fake ipcMain (no Electron binary needed): the real
 * ControlRoom behind it, calls checked for their sender and their input.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CALL_CHANNEL, EVENT_CHANNEL, SUBSCRIBE_CHANNEL } from '../../../src-main/electron/channels.js';
import { serveContractOverIpc, trustedUrlCheck, type InvokeEventLike, type IpcMainLike } from '../../../src-main/electron/ipc.js';
import { ControlRoom } from '../../../src-main/service/room/control-room.js';

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`); // as Electron does
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  readonly listeners = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => void>();
  on(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => void): void {
    this.listeners.set(channel, listener);
  }
  removeListener(channel: string): void {
    this.listeners.delete(channel);
  }
  /** A one-way message (ipcRenderer.send) from a window's frame. */
  message(channel: string, event: InvokeEventLike, ...args: unknown[]): void {
    this.listeners.get(channel)?.(event, ...args);
  }
  invoke(url: string | null, ...args: unknown[]): Promise<unknown> {
    return this.invokeFrom(url === null ? null : { url, parent: null }, ...args);
  }
  invokeFrom(senderFrame: InvokeEventLike['senderFrame'], ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(CALL_CHANNEL);
    if (!handler) throw new Error('no handler');
    return handler({ senderFrame }, ...args);
  }
}

const APP_PAGE = 'app://celeriac/#/queues';
let ipc: FakeIpcMain;
let room: ControlRoom;
let sent: unknown[][];
let stop: () => void;
/** The window: events are sent to it, and it is the sender of its own messages. */
let window: { send(...args: unknown[]): void; isDestroyed(): boolean };

beforeEach(() => {
  ipc = new FakeIpcMain();
  sent = [];
  room = new ControlRoom({ dataDir: mkdtempSync(join(tmpdir(), 'celeriac-ipc-')), local: false });
  window = { send: (...args: unknown[]) => sent.push(args), isDestroyed: () => false };
  stop = serveContractOverIpc(ipc, room, { isTrustedUrl: trustedUrlCheck(), targets: () => [window] });
});
afterEach(async () => {
  stop();
  await room.stop();
});

describe('the contract over Electron IPC', () => {
  it('serves a valid call from the app page', async () => {
    const reply = await ipc.invoke(APP_PAGE, 'connections:list', {});
    expect(reply).toEqual({ ok: true, value: [] });
    const saved = await ipc.invoke(APP_PAGE, 'connections:save', { name: 'Staging', url: 'redis://staging:6379/0', color: 'orange' });
    expect(saved).toMatchObject({ ok: true, value: { name: 'Staging', color: 'orange', hasPassword: false } });
  });

  it('refuses bad input with a typed error, and unknown methods', async () => {
    expect(await ipc.invoke(APP_PAGE, 'connections:use', { id: 5 })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT', issues: [{ path: 'id' }] } });
    expect(await ipc.invoke(APP_PAGE, 'connections:save', { name: 'x', url: 'file:///etc/passwd' })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    expect(await ipc.invoke(APP_PAGE, 'connections:list', { extra: 1 })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    expect(await ipc.invoke(APP_PAGE, 'fs:read', {})).toMatchObject({ ok: false, error: { code: 'E_UNKNOWN_METHOD' } });
    expect(await ipc.invoke(APP_PAGE, { toString: () => 'connections:list' }, {})).toMatchObject({ ok: false, error: { code: 'E_UNKNOWN_METHOD' } });
  });

  it('refuses calls from any other frame, before looking at them', async () => {
    for (const url of ['https://evil.example/', 'file:///tmp/x.html', 'app://celeriac.evil/', 'app://other/', 'about:blank', '']) {
      expect(await ipc.invoke(url, 'connections:list', {}), url).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    }
    expect(await ipc.invoke(null, 'connections:list', {})).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
  });

  it("refuses a frame inside the app's window even at the app's own origin (main frame only)", async () => {
    const mainFrame = { url: APP_PAGE, parent: null };
    const iframe = { url: 'app://celeriac/embedded.html', parent: mainFrame };
    expect(await ipc.invokeFrom(iframe, 'connections:list', {})).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN', message: expect.stringContaining('main frame') } });
    expect(await ipc.invokeFrom(mainFrame, 'connections:list', {})).toMatchObject({ ok: true });
  });

  it('answers a call that throws inside the back end with E_INTERNAL', async () => {
    const broken = new FakeIpcMain();
    const off = serveContractOverIpc(broken, { run: () => Promise.reject(new Error('boom')), onEvent: () => () => undefined }, { isTrustedUrl: trustedUrlCheck(), targets: () => [] });
    expect(await broken.invoke(APP_PAGE, 'connections:list', {})).toMatchObject({ ok: false, error: { code: 'E_INTERNAL', message: expect.stringContaining('boom') } });
    off();
  });

  it('accepts the dev server only when it is the one configured', () => {
    expect(trustedUrlCheck('http://localhost:5173')('http://localhost:5173/#/tasks')).toBe(true);
    expect(trustedUrlCheck('http://localhost:5173')('http://localhost:5174/')).toBe(false);
    expect(trustedUrlCheck()('http://localhost:5173/')).toBe(false);
  });

  it('sends the back end events to the window', async () => {
    await room.start(); // no connection configured: a connection:changed event says so
    expect(sent).toContainEqual([EVENT_CHANNEL, 'connection:changed', expect.objectContaining({ state: 'failed' })]);
  });

  it("honours a window's subscription: only the events it listens to are sent", async () => {
    ipc.message(SUBSCRIBE_CHANNEL, { senderFrame: { url: APP_PAGE, parent: null }, sender: window }, ['batches:changed']);
    await room.start();
    expect(sent.filter(([, event]) => event === 'connection:changed')).toEqual([]);
    // An iframe or another origin cannot change what the window is sent.
    ipc.message(SUBSCRIBE_CHANNEL, { senderFrame: { url: 'https://evil.example/', parent: null }, sender: window }, ['connection:changed']);
    ipc.message(SUBSCRIBE_CHANNEL, { senderFrame: { url: APP_PAGE, parent: {} }, sender: window }, ['connection:changed']);
    await room.call('connections:use', { id: 'no-such-profile' });
    expect(sent.filter(([, event]) => event === 'connection:changed')).toEqual([]);
    ipc.message(SUBSCRIBE_CHANNEL, { senderFrame: { url: APP_PAGE, parent: null }, sender: window }, ['connection:changed']);
    const saved = await room.call('connections:save', { name: 'Staging', url: 'redis://127.0.0.1:1/0' });
    if (saved.ok) await room.call('connections:use', { id: saved.value.id });
    expect(sent.filter(([, event]) => event === 'connection:changed').length).toBeGreaterThan(0);
  });

  it('stops serving when told', async () => {
    stop();
    expect(ipc.handlers.has(CALL_CHANNEL)).toBe(false);
    expect(ipc.listeners.has(SUBSCRIBE_CHANNEL)).toBe(false);
  });

  it('the preload uses the same channel names and exposes only window.celeriac', () => {
    const preload = readFileSync(new URL('../../../src-main/electron/preload.cts', import.meta.url), 'utf8');
    expect(preload).toContain(`'${CALL_CHANNEL}'`);
    expect(preload).toContain(`'${EVENT_CHANNEL}'`);
    expect(preload).toContain(`'${SUBSCRIBE_CHANNEL}'`);
    expect(preload.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(preload).toContain("exposeInMainWorld('celeriac'");
  });
});
