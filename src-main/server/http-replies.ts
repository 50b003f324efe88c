/** Small helpers every HTTP route shares: a JSON error reply, a URL's token, a constant-time compare. */
import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ error: message }));
}

/** The `token` of a URL's query ('' for none). */
export const queryToken = (url: string): string => new URL(url, 'http://localhost').searchParams.get('token') ?? '';

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
