/**
 * `celeriac serve`'s HTTP server: the gate every request passes (the Host header, HTTP Basic, the
 * path prefix), then a route (http-routes.ts) or the renderer's files; the WebSocket upgrade
 * passes the same gate plus the token and the origin, then ws-adapter.ts serves the contract.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { WebSocketServer } from 'ws';
import type { CallBackend } from '../service/calls/call-backend.js';
import { CallServer } from '../service/calls/call-server.js';
import { MAX_FRAME_BYTES } from './protocol.js';
import { BASIC_CHALLENGE, basicAuthOk, normalizeUrlPrefix, underPrefix, type BasicCredential } from './access.js';
import { allowedHost, originHost } from './host-check.js';
import { reply, sameSecret } from './http-replies.js';
import { routeFor, type RouteContext } from './http-routes.js';
import { serveStatic } from './static-files.js';
import { serveCallsOverWebSocket } from './ws-adapter.js';

export interface ServerOptions {
  /** What runs the calls: the ControlRoom (or one connection's ConnectionService). */
  service: CallBackend;
  /** @default '127.0.0.1' (loopback only) */
  host?: string;
  /** @default 5555 (Flower's) */
  port?: number;
  /** The token every WebSocket connection must present; null turns the check off. @default a random one */
  token?: string | null;
  /**
   * HTTP Basic credentials asked on every path and the WebSocket's upgrade (Flower's
   * `--basic-auth`); the token is asked as well unless it is null. @default none asked
   */
  basicAuth?: readonly BasicCredential[];
  /** The path every route is served under behind a reverse proxy (Flower's `--url_prefix`), e.g. '/celeriac'. @default '' */
  urlPrefix?: string;
  /** The built renderer, served as static files. */
  staticDir?: string;
  /** Where files dropped in the browser are uploaded (staging folders); absent: no uploads. */
  uploadDir?: string;
  /** Refuse every method that changes anything, and uploads (Flower's `read_only`). */
  readOnly?: boolean;
  /** Prometheus' text for GET /metrics (the token required, as a Bearer header or ?token=); absent: 404. */
  metrics?: () => Promise<{ contentType: string; body: string } | null>;
  /** GET /export?format=csv|jsonl&q=<search>: the Tasks filter, streamed (null while not connected). */
  exportTasks?: (query: string, format: 'csv' | 'jsonl') => Iterator<string> | null;
}

export interface RunningServer {
  /** The address to open, prefix and token included (as Jupyter prints it). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * `celeriac serve`: the contract over one WebSocket (`/ws?token=...`) and the built renderer
 * over HTTP, all under an optional path prefix. Loopback and a token by default, HTTP Basic
 * when asked; a connection from another origin, without the token or without the credentials
 * is refused before it is upgraded.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token === undefined ? randomBytes(24).toString('hex') : options.token;
  /** Whether a request's token is the server's (any, with --no-token). */
  const tokenOk = (given: string): boolean => token === null || sameSecret(given, token);
  const calls = new CallServer(options.service, { readOnly: options.readOnly });
  const routes: RouteContext = { tokenOk, readOnly: options.readOnly === true, uploadDir: options.uploadDir, metrics: options.metrics, exportTasks: options.exportTasks };
  // Without a token, a page on any site could reach us through a DNS name it points at
  // 127.0.0.1 (DNS rebinding): only requests that name this host by a loopback name, or by the
  // address we were told to listen on, are served.
  const hostAllowed = (req: IncomingMessage): boolean => token !== null || allowedHost(req.headers.host, host);
  const prefix = normalizeUrlPrefix(options.urlPrefix);
  const users = options.basicAuth ?? [];
  const signedIn = (req: IncomingMessage): boolean => users.length === 0 || basicAuthOk(req.headers.authorization, users);
  const http = createServer((req, res) => {
    if (!hostAllowed(req)) return void reply(res, 421, `this control room answers to localhost, 127.0.0.1 or [::1] only (Host: ${String(req.headers.host ?? '')}); start it with --host <name> to allow another`);
    if (!signedIn(req)) {
      res.writeHead(401, { 'WWW-Authenticate': BASIC_CHALLENGE, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      return void res.end('this control room asks for a user name and password (serve --basic-auth)\n');
    }
    // Behind a reverse proxy every route lives under the prefix; routes see the path after it.
    const routed = underPrefix(req.url ?? '/', prefix);
    if (!routed) return void reply(res, 404, `this control room is served under ${prefix}/`);
    if ('redirect' in routed) return void res.writeHead(301, { Location: routed.redirect }).end();
    req.url = routed.path;
    const route = routeFor(req.method, req.url);
    if (route) route(req, res, routes);
    else serveStatic(req, res, options.staticDir);
  });
  // A socket error (a client reset mid-request) is that client's problem, not the server's.
  http.on('clientError', (_err, socket) => socket.destroy());
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  wss.on('error', () => undefined);

  http.on('upgrade', (req, socket, head) => {
    const refuse = (status: string, headers = ''): void => {
      socket.end(`HTTP/1.1 ${status}\r\n${headers}Connection: close\r\n\r\n`);
    };
    if (!hostAllowed(req)) return refuse('421 Misdirected Request');
    if (!signedIn(req)) return refuse('401 Unauthorized', `WWW-Authenticate: ${BASIC_CHALLENGE}\r\n`);
    const routed = underPrefix(req.url ?? '/', prefix);
    if (!routed || 'redirect' in routed) return refuse('404 Not Found');
    // Joined, not resolved: '//host/ws' is a path here, not another host's URL.
    const url = new URL(`http://localhost${routed.path}`);
    if (url.pathname !== '/ws') return refuse('404 Not Found');
    if (!tokenOk(url.searchParams.get('token') ?? '')) return refuse('401 Unauthorized');
    // A web page elsewhere must not drive the control room through the user's browser.
    const origin = req.headers.origin;
    if (origin && originHost(origin) !== req.headers.host) return refuse('403 Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const unsubscribe = serveCallsOverWebSocket(wss, calls);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 5555, host, resolve);
  });
  const port = (http.address() as { port: number }).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}${prefix}/${token === null ? '' : `?token=${token}`}`,
    port,
    async close() {
      unsubscribe();
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
