/**
 * The renderer's only way to the back end: the contract's calls and events, over Electron's
 * preload bridge when there is one, else over the headless server's WebSocket. The renderer
 * never knows which.
 */
import { MAX_REQUEST_BYTES, type ContractError, type ContractEvents, type EventName, type Input, type Method, type Output } from './contract.js';

export type { Method };

export class CallError extends Error {
  constructor(readonly error: ContractError) {
    super(error.message);
  }
}

type Listener = (data: unknown) => void;

interface Bridge {
  call(method: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: ContractError }>;
  on(event: string, fn: Listener): () => void;
  /** Desktop only: a dropped file's real path. */
  pathForFile?(file: File): string;
}

declare global {
  interface Window {
    celeriac?: Bridge;
  }
}

class SocketBridge implements Bridge {

  private nextId = 1;
  private readonly waiting = new Map<number, (reply: { ok: boolean; value?: unknown; error?: ContractError }) => void>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private opened: Promise<WebSocket> | null = null;
  readonly status = new EventTarget();
  connected = false;
  /** Why the socket is down, once known: the server is unreachable, or this page's token is stale. */
  problem: 'unreachable' | 'stale-token' | null = null;

  private connect(): Promise<WebSocket> {
    if (this.opened) return this.opened;
    const token = new URLSearchParams(location.search).get('token') ?? '';
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${serverPath('ws')}?token=${encodeURIComponent(token)}`);
    this.opened = new Promise((resolve, reject) => {
      ws.onopen = () => {
        this.connected = true;
        this.problem = null;
        this.sendSubscription(ws);
        this.status.dispatchEvent(new Event('change'));
        resolve(ws);
      };
      ws.onerror = () => {
        reject(new Error('cannot reach the Celeriac server (is `celeriac serve` running, and is the token in the URL?)'));
        void this.diagnose(token);
      };
    });
    ws.onclose = () => {
      this.connected = false;
      this.opened = null;
      this.status.dispatchEvent(new Event('change'));
      for (const resolve of this.waiting.values()) resolve({ ok: false, error: { code: 'E_FAILED', message: 'the connection closed' } });
      this.waiting.clear();
      setTimeout(() => void this.connect().catch(() => undefined), 1000); // reconnect
    };
    ws.onmessage = (e) => {
      const msg = JSON.parse(String(e.data)) as { id?: number; event?: string; data?: unknown; ok?: boolean; value?: unknown; error?: ContractError };
      if (msg.event) this.listeners.get(msg.event)?.forEach((l) => l(msg.data));
      else if (typeof msg.id === 'number') {
        this.waiting.get(msg.id)?.({ ok: msg.ok === true, value: msg.value, error: msg.error });
        this.waiting.delete(msg.id);
      }
    };

    return this.opened;
  }

  /** A refused socket does not say why; the server's /auth does (401: the token is stale). */
  private async diagnose(token: string): Promise<void> {
    let problem: SocketBridge['problem'];
    try {
      const res = await fetch(`${serverPath('auth')}?token=${encodeURIComponent(token)}`, { cache: 'no-store' });
      problem = res.status === 401 ? 'stale-token' : 'unreachable';
    } catch {
      problem = 'unreachable';
    }
    if (this.connected || problem === this.problem) return;
    this.problem = problem;
    this.status.dispatchEvent(new Event('change'));
  }

  async call(method: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: ContractError }> {
    const ws = await this.connect();
    const id = this.nextId++;
    const text = JSON.stringify({ id, method, input });
    // Refused here rather than by the server, which closes the socket on a frame this large.
    if (text.length > MAX_REQUEST_BYTES) {
      return { ok: false, error: { code: 'E_TOO_LARGE', message: `this request is ${(text.length / 1048576).toFixed(1)} MB; the control room takes 32 MB at most in one call (send fewer items at a time)` } };
    }
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      ws.send(text);
    });
  }

  on(event: string, fn: Listener): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    void this.connect().then((ws) => this.sendSubscription(ws), () => undefined);
    return () => {
      set!.delete(fn);
      // Stop the server sending what nobody here listens to (task changes come by thousands).
      if (set!.size === 0) void this.opened?.then((ws) => this.sendSubscription(ws), () => undefined);
    };
  }

  /** Tells the server which events this page listens to now. */
  private sendSubscription(ws: WebSocket): void {
    const events = [...this.listeners].filter(([, fns]) => fns.size > 0).map(([name]) => name);
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ subscribe: events }));
  }
}

export const socket = new SocketBridge();
const bridge: Bridge = window.celeriac ?? socket;

/** True in the desktop app (the preload's bridge), false in a browser. */
export const isDesktop = Boolean(window.celeriac);

/** The real path of a dropped file, in the desktop app; null in a browser (files are uploaded). */
export function pathForFile(file: File): string | null {
  return bridge.pathForFile?.(file) || null;
}

/**
 * A route of the headless server, as a path: under the page's own folder, so it works served
 * at `/` and behind a reverse proxy's prefix (`serve --url-prefix /celeriac` serves the page at
 * `/celeriac/` and its routes at `/celeriac/ws`, `/celeriac/upload`…).
 */
export function serverPath(route: string): string {
  return `${location.pathname.replace(/[^/]*$/, '')}${route}`;
}

/** The headless server's token (from the page's URL), for uploads. */
export function serverToken(): string {
  return new URLSearchParams(location.search).get('token') ?? '';
}

/** Calls a contract method. @throws CallError with the typed error */
export async function call<M extends Method>(method: M, input: Input<M>): Promise<Output<M>> {
  const reply = await bridge.call(method, input);
  if (!reply.ok) throw new CallError(reply.error ?? { code: 'E_FAILED', message: 'no reply' });
  return reply.value as Output<M>;
}

/** Listens to a contract event. @returns a function that stops listening */
export function on<E extends EventName>(event: E, fn: (data: ContractEvents[E]) => void): () => void {
  return bridge.on(event, fn as Listener);
}
