/**
 * The HTTP routes beside the renderer's files, each a small handler: who asks (the token, the
 * origin) is checked by each route as its callers can present it (a scraper's Bearer header, a
 * download link's URL, an upload's header).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { streamExport } from './export-stream.js';
import { originHost } from './host-check.js';
import { queryToken, reply } from './http-replies.js';
import { handleDownload, handleUpload } from './uploads.js';

/** What the routes need of the server. */
export interface RouteContext {
  /** Whether a token is the server's (any, with --no-token). */
  tokenOk(given: string): boolean;
  readOnly: boolean;
  uploadDir?: string;
  metrics?: () => Promise<{ contentType: string; body: string } | null>;
  exportTasks?: (query: string, format: 'csv' | 'jsonl') => Iterator<string> | null;
}

type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => void;

interface Route {
  method: 'GET' | 'POST';
  /** The path, without its query. */
  path: string;
  handle: RouteHandler;
}

/** A page whose WebSocket is refused asks here why: a stale token (rotated since the page was opened) says so, instead of "connecting…" for ever. */
const auth: RouteHandler = (req, res, ctx) => {
  res.writeHead(ctx.tokenOk(queryToken(req.url!)) ? 204 : 401, { 'Cache-Control': 'no-store' }).end();
};

/** For a scraper: the token as `Authorization: Bearer <token>` (or ?token= where it cannot set one). */
const metrics: RouteHandler = (req, res, ctx) => {
  const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
  if (!ctx.tokenOk(bearer ?? queryToken(req.url!))) return reply(res, 401, 'the token is required: Authorization: Bearer <token>');
  if (!ctx.metrics) return void res.writeHead(404).end();
  void ctx.metrics().then(
    (m) => (m ? void res.writeHead(200, { 'Content-Type': m.contentType, 'Cache-Control': 'no-store' }).end(m.body) : reply(res, 503, 'not connected to Redis: no metrics now')),
    (err: unknown) => reply(res, 500, `metrics failed: ${(err as Error).message}`),
  );
};

/** A download link: the token in the URL, as /download's. */
const exportTasks: RouteHandler = (req, res, ctx) => {
  const params = new URL(req.url!, 'http://localhost').searchParams;
  if (!ctx.tokenOk(params.get('token') ?? '')) return void res.writeHead(401).end();
  if (!ctx.exportTasks) return void res.writeHead(404).end();
  const format = params.get('format') === 'jsonl' ? 'jsonl' : 'csv';
  const query = (params.get('q') ?? '').slice(0, 2000);
  void streamExport(res, () => ctx.exportTasks!(query, format), format);
};

/** The token in the URL (a download link cannot set a header), this origin's pages only. */
const download: RouteHandler = (req, res, ctx) => {
  if (!ctx.tokenOk(queryToken(req.url!))) return void res.writeHead(401).end();
  if (!ctx.uploadDir) return void res.writeHead(404).end();
  void handleDownload(req, res, ctx.uploadDir).catch(() => res.destroy());
};

/** Same rules as the WebSocket: the token (in a header, not the URL) and this origin only. */
const upload: RouteHandler = (req, res, ctx) => {
  const origin = req.headers.origin;
  if (origin && originHost(origin) !== req.headers.host) return void res.writeHead(403).end();
  if (!ctx.tokenOk(String(req.headers['x-celeriac-token'] ?? ''))) return void res.writeHead(401).end();
  if (!ctx.uploadDir) return void res.writeHead(404).end();
  if (ctx.readOnly) return reply(res, 403, 'this control room is read-only: uploads are refused');
  void handleUpload(req, res, ctx.uploadDir).catch((err: unknown) => {
    if (!res.headersSent) reply(res, 500, `upload failed: ${(err as Error).message}`);
    else res.destroy();
  });
};

const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/auth', handle: auth },
  { method: 'GET', path: '/metrics', handle: metrics },
  { method: 'GET', path: '/export', handle: exportTasks },
  { method: 'GET', path: '/download', handle: download },
  { method: 'POST', path: '/upload', handle: upload },
];

/** The route for a request's method and path (its query aside), or null for the renderer's files. */
export function routeFor(method: string | undefined, url: string): RouteHandler | null {
  const path = url.split('?', 1)[0];
  return ROUTES.find((r) => r.method === method && r.path === path)?.handle ?? null;
}
