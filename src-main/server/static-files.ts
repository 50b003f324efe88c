/** The built renderer, served as static files from its folder only, with a strict CSP. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { reply } from './http-replies.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
};

export function serveStatic(req: IncomingMessage, res: ServerResponse, dir: string | undefined): void {
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
