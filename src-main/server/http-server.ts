import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { isMethod, isReadMethod, type ContractError } from '../service/contract.js';
import { writeChunks } from '../service/export.js';
import type { ContractHandler } from '../service/handler.js';
import { MAX_FRAME_BYTES, MAX_REQUEST_BYTES, requestSchema, subscribeSchema, type EventMessage, type Reply } from './protocol.js';
import { BASIC_CHALLENGE, basicAuthOk, normalizeUrlPrefix, underPrefix, type BasicCredential } from './access.js';
import { handleDownload, handleUpload } from './uploads.js';

export interface ServerOptions {
  /** What answers the calls: the ControlRoom (or one connection's ControlRoomService). */
  service: ContractHandler;
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

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
};

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
  const service = options.readOnly ? readOnly(options.service) : options.service;
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
    // Behind a reverse proxy every route lives under the prefix; the rest of this handler routes the path after it.
    const routed = underPrefix(req.url ?? '/', prefix);
    if (!routed) return void reply(res, 404, `this control room is served under ${prefix}/`);
    if ('redirect' in routed) return void res.writeHead(301, { Location: routed.redirect }).end();
    req.url = routed.path;
    if (req.method === 'GET' && (req.url === '/auth' || req.url?.startsWith('/auth?'))) {
      // A page whose WebSocket is refused asks here why: a stale token (rotated since the page
      // was opened) says so, instead of "connecting…" for ever.
      res.writeHead(tokenOk(queryToken(req.url)) ? 204 : 401, { 'Cache-Control': 'no-store' }).end();
      return;
    }
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      // For a scraper: the token as `Authorization: Bearer <token>` (or ?token= where it cannot set one).
      const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      if (!tokenOk(bearer ?? queryToken(req.url))) return void reply(res, 401, 'the token is required: Authorization: Bearer <token>');
      if (!options.metrics) return void res.writeHead(404).end();
      void options.metrics().then(
        (m) => (m ? void res.writeHead(200, { 'Content-Type': m.contentType, 'Cache-Control': 'no-store' }).end(m.body) : reply(res, 503, 'not connected to Redis: no metrics now')),
        (err: unknown) => reply(res, 500, `metrics failed: ${(err as Error).message}`),
      );
      return;
    }
    if (req.method === 'GET' && req.url?.startsWith('/export?')) {
      // A download link: the token in the URL, as /download's.
      const params = new URL(req.url, 'http://localhost').searchParams;
      if (!tokenOk(params.get('token') ?? '')) return void res.writeHead(401).end();
      if (!options.exportTasks) return void res.writeHead(404).end();
      const format = params.get('format') === 'jsonl' ? 'jsonl' : 'csv';
      const query = (params.get('q') ?? '').slice(0, 2000);
      void streamExport(res, () => options.exportTasks!(query, format), format);
      return;
    }
    if (req.method === 'GET' && req.url?.startsWith('/download?')) {
      // The token in the URL (a download link cannot set a header), this origin's pages only.
      if (!tokenOk(queryToken(req.url))) return void res.writeHead(401).end();
      if (!options.uploadDir) return void res.writeHead(404).end();
      void handleDownload(req, res, options.uploadDir).catch(() => res.destroy());
      return;
    }
    if (req.method === 'POST' && req.url?.startsWith('/upload?')) {
      // Same rules as the WebSocket: the token (in a header, not the URL) and this origin only.
      const origin = req.headers.origin;
      if (origin && originHost(origin) !== req.headers.host) return void res.writeHead(403).end();
      if (!tokenOk(String(req.headers['x-celeriac-token'] ?? ''))) return void res.writeHead(401).end();
      if (!options.uploadDir) return void res.writeHead(404).end();
      if (options.readOnly) return void reply(res, 403, 'this control room is read-only: uploads are refused');
      void handleUpload(req, res, options.uploadDir).catch((err: unknown) => {
        if (!res.headersSent) reply(res, 500, `upload failed: ${(err as Error).message}`);
        else res.destroy();
      });
      return;
    }
    serveStatic(req, res, options.staticDir);
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

  // The events each client asked for; a client that never said gets all of them.
  const wanted = new WeakMap<WebSocket, Set<string>>();
  wss.on('connection', (ws: WebSocket) => {
    // A frame over maxPayload, a text frame that is not UTF-8, an unmasked frame: ws closes
    // that connection with the matching code (1009, 1007, 1002) and reports it here. Without a
    // listener the report would be an uncaught error that ends the server.
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void send(ws, badRequest(null, 'E_BAD_INPUT', 'requests are JSON text frames, not binary ones'));
      const bytes = (data as Buffer).length;
      if (bytes > MAX_REQUEST_BYTES) return void send(ws, badRequest(null, 'E_TOO_LARGE', `a request is at most ${MAX_REQUEST_BYTES} bytes; this one is ${bytes}`));
      const text = data.toString();
      const subscription = text.startsWith('{"subscribe"') ? subscribeSchema.safeParse(safeJson(text)) : null;
      if (subscription?.success) wanted.set(ws, new Set(subscription.data.subscribe));
      else void answer(ws, service, text);
    });
  });
  const unsubscribe = service.onEvent((event, data) => {
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

/** One request in, one reply out; anything malformed gets a typed error, never a crash. */
async function answer(ws: WebSocket, service: ContractHandler, text: string): Promise<void> {
  const request = requestSchema.safeParse(safeJson(text));
  if (!request.success) return send(ws, badRequest(null, 'E_BAD_INPUT', 'a request is {"id", "method", "input"} as JSON'));
  const { id } = request.data;
  let reply: Reply;
  try {
    const result = await service.call(request.data.method, request.data.input);
    reply = result.ok ? { id, ok: true, value: result.value } : { id, ok: false, error: result.error };
  } catch (err) {
    // The handlers turn their failures into typed errors; this is the net under them.
    reply = badRequest(id, 'E_INTERNAL', `the control room failed on ${request.data.method}: ${(err as Error)?.message ?? String(err)}`);
  }
  send(ws, reply);
}

function badRequest(id: Reply['id'], code: ContractError['code'], message: string): Reply {
  return { id, ok: false, error: { code, message } };
}

function send(ws: WebSocket, reply: Reply): void {
  if (ws.readyState !== ws.OPEN) return;
  let text: string;
  try {
    text = JSON.stringify(reply);
  } catch (err) {
    text = JSON.stringify(badRequest(reply.id, 'E_INTERNAL', `the reply could not be encoded: ${(err as Error).message}`));
  }
  ws.send(text);
}

/** A handler that refuses every method that changes anything (`serve --read-only`). */
function readOnly(inner: ContractHandler): ContractHandler {
  // The status says so, whether asked for or pushed: the page shows it in its header.
  const marked = <T>(status: T): T => ({ ...status, readOnly: true });
  return {
    onEvent: (listener) => inner.onEvent((event, data) => listener(event, event === 'connection:changed' ? marked(data) : data)),
    async call(method, input) {
      if (isMethod(method) && !isReadMethod(method)) {
        return { ok: false, error: { code: 'E_FORBIDDEN', message: `this control room is read-only (serve --read-only): ${method} is refused` } };
      }
      const result = await inner.call(method, input);
      if (method === 'connection:status' && result.ok) return { ok: true, value: marked(result.value) } as typeof result;
      return result;
    },
  };
}

/** Loopback names, and the address the server was told to listen on (unless it is a wildcard). */
function allowedHost(hostHeader: string | undefined, listening: string): boolean {
  if (!hostHeader) return false;
  let name: string;
  try {
    name = new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (name === 'localhost' || name.endsWith('.localhost') || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name)) return true;
  const own = listening.includes(':') ? `[${listening.toLowerCase()}]` : listening.toLowerCase();
  return own !== '0.0.0.0' && own !== '[::]' && name === own;
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ error: message }));
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

/** The `token` of a URL's query ('' for none). */
const queryToken = (url: string): string => new URL(url, 'http://localhost').searchParams.get('token') ?? '';

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
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return reply(res, 400, 'the path has a malformed %-escape');
  }
  if (decoded.includes('\0')) return reply(res, 400, 'the path has a NUL byte');
  // normalize() and the prefix check keep requests inside the folder.
  const file = normalize(join(dir, path === '/' ? 'index.html' : decoded));
  const target = file.startsWith(normalize(dir)) && existsSync(file) && statSync(file).isFile() ? file : join(dir, 'index.html');
  res.writeHead(200, { 'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream' });
  res.end(readFileSync(target));
}

/** Streams an export a chunk at a time, waiting for the client to drain; a bad query is a 400. */
async function streamExport(res: ServerResponse, open: () => Iterator<string> | null, format: 'csv' | 'jsonl'): Promise<void> {
  let chunks: Iterator<string> | null;
  let first: IteratorResult<string>;
  try {
    chunks = open();
    if (!chunks) return reply(res, 503, 'not connected to Redis: nothing to export now');
    first = chunks.next();
  } catch (err) {
    return reply(res, 400, (err as Error).message);
  }
  res.writeHead(200, {
    'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    'Content-Disposition': `attachment; filename="tasks.${format}"`,
    'Cache-Control': 'no-store',
  });
  // A client gone mid-way ends it: the rest is not read.
  await writeChunks(res, first, chunks).catch(() => res.destroy());
}
