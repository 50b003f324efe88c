/**
 * Serves the built renderer on `app://celeriac/`, with the CSP in a real response header.
 * A custom scheme rather than file:// gives the page an origin of its own (the IPC sender
 * check compares it) and keeps every other local file out of its reach.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

/** No inline scripts, nothing from elsewhere; styles from the app only. */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Answers one app:// request from the renderer folder. */
export async function serveAppRequest(rendererDir: string, requestUrl: string): Promise<Response> {
  const url = new URL(requestUrl);
  if (url.host !== 'celeriac') return new Response('not found', { status: 404 });
  const path = decodeURIComponent(url.pathname);
  const file = normalize(join(rendererDir, path === '/' ? 'index.html' : path));
  // ../ in a URL must not climb out of the renderer folder.
  if (!file.startsWith(rendererDir.endsWith(sep) ? rendererDir : rendererDir + sep)) return new Response('forbidden', { status: 403 });
  try {
    const body = await readFile(file);
    return new Response(body, {
      headers: { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' },
    });
  } catch {
    return new Response('not found', { status: 404 });
  }
}
