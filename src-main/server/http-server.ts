import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ContractHandler } from '../service/handler.js';
import { requestSchema, subscribeSchema, type EventMessage, type Reply } from './protocol.js';
import { handleUpload } from './uploads.js';

export interface ServerOptions {
  /** What answers the calls: the ControlRoom (or one connection's ControlRoomService). */
  service: ContractHandler;
  /** @default '127.0.0.1' (loopback only) */
  host?: string;
  /** @default 5555 (Flower's) */
  port?: number;
  /** The token every WebSocket connection must present; null turns the check off. @default a random one */
  token?: string | null;
  /** The built renderer, served as static files. */
  staticDir?: string;
  /** Where files dropped in the browser are uploaded (staging folders); absent: no uploads. */
  uploadDir?: string;
}

export interface RunningServer {
  /** The address to open, token included (as Jupyter prints it). */
  url: string;
  port: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
};

/**
 * `celeriac serve`: the contract over one WebSocket (`/ws?token=...`) and the built renderer
 * over HTTP. Loopback and a random token by default; a connection from another origin or
 * without the token is refused before it is upgraded.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token === undefined ? randomBytes(24).toString('hex') : options.token;
  const http = createServer((req, res) => {
    if (req.method === 'POST' && req.url?.startsWith('/upload?')) {
      // Same rules as the WebSocket: the token (in a header, not the URL) and this origin only.
      const origin = req.headers.origin;
      if (origin && originHost(origin) !== req.headers.host) return void res.writeHead(403).end();
      if (token !== null && !sameSecret(String(req.headers['x-celeriac-token'] ?? ''), token)) return void res.writeHead(401).end();
      if (!options.uploadDir) return void res.writeHead(404).end();
      void handleUpload(req, res, options.uploadDir).catch(() => res.headersSent || res.writeHead(500).end());
      return;
    }
    serveStatic(req, res, options.staticDir);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });

  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return refuse('404 Not Found');
    if (token !== null && !sameSecret(url.searchParams.get('token') ?? '', token)) return refuse('401 Unauthorized');
    // A web page elsewhere must not drive the control room through the user's browser.
    const origin = req.headers.origin;
    if (origin && originHost(origin) !== req.headers.host) return refuse('403 Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  // The events each client asked for; a client that never said gets all of them.
  const wanted = new WeakMap<WebSocket, Set<string>>();
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data) => {
      const text = data.toString();
      const subscription = text.startsWith('{"subscribe"') ? subscribeSchema.safeParse(safeJson(text)) : null;
      if (subscription?.success) wanted.set(ws, new Set(subscription.data.subscribe));
      else void answer(ws, options.service, text);
    });
  });
  const unsubscribe = options.service.onEvent((event, data) => {
    let text: string | null = null; // serialised once, and only if someone wants it
    for (const client of wss.clients) {
      if (client.readyState !== client.OPEN || wanted.get(client)?.has(event) === false) continue;
      text ??= JSON.stringify({ event, data } satisfies EventMessage);
      client.send(text);
    }
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 5555, host, resolve);
  });
  const port = (http.address() as { port: number }).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/${token === null ? '' : `?token=${token}`}`,
    port,
    async close() {
      unsubscribe();
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** One request in, one reply out; anything malformed gets a typed error, never a crash. */
async function answer(ws: WebSocket, service: ContractHandler, text: string): Promise<void> {
  let reply: Reply;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const request = requestSchema.safeParse(parsed);
  if (!request.success) {
    reply = { id: null, ok: false, error: { code: 'E_BAD_INPUT', message: 'a request is {"id", "method", "input"} as JSON' } };
  } else {
    const result = await service.call(request.data.method, request.data.input);
    reply = result.ok ? { id: request.data.id, ok: true, value: result.value } : { id: request.data.id, ok: false, error: result.error };
  }
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function serveStatic(req: IncomingMessage, res: ServerResponse, dir: string | undefined): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:");
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (!dir || !existsSync(join(dir, 'index.html'))) {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Celeriac is serving its contract on /ws; the web UI is not built yet (npm run build:renderer).\n');
    return;
  }
  // normalize() and the prefix check keep requests inside the folder.
  const file = normalize(join(dir, path === '/' ? 'index.html' : decodeURIComponent(path)));
  const target = file.startsWith(normalize(dir)) && existsSync(file) && statSync(file).isFile() ? file : join(dir, 'index.html');
  res.writeHead(200, { 'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream' });
  res.end(readFileSync(target));
}
