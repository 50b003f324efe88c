/**
 * "Test connection": one attempt, no retries, a verdict a person can act on.
 */
import { Redis } from 'ioredis';
import type { ResolvedConnection } from './profile.js';
import { redisOptionsFromUrl } from '../../core/broker/connection.js';
import type { Verdict, ConnectionTestResult } from '../contract/types/connections.js';

const ADVICE: Record<Exclude<Verdict, 'ok'>, string> = {
  refused: 'nothing listens there: check the host and port, and that redis-server runs',
  'auth-failed': 'Redis refused the credentials: check the password (and the user name for ACLs)',
  'tls-error': 'the TLS handshake failed: check rediss://, the CA certificate, or the client certificate and key',
  timeout: 'no answer in time: check the host, the port and any firewall, and that rediss:// (TLS) and redis:// match the port',
  'not-redis': 'something answered there, but not as Redis does, or closed the connection (another service? a TLS port reached with redis:// instead of rediss://?)',
  'not-found': 'the host name does not resolve',
  error: 'the connection failed',
};

/** Sorts a connection failure into a verdict. */
export function classifyConnectionError(err: unknown): Exclude<Verdict, 'ok'> {
  const e = err as { code?: string; message?: string };
  const text = `${e.code ?? ''} ${e.message ?? String(err)}`;
  if (/ECONNREFUSED/.test(text)) return 'refused';
  if (/NOAUTH|WRONGPASS|invalid password|invalid username|Authentication required|AUTH.*(fail|without)/i.test(text)) return 'auth-failed';
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'not-found';
  if (/Protocol error|Stream isn't writeable|Connection is closed/.test(text)) return 'not-redis';
  if (/ETIMEDOUT|timed? ?out/i.test(text)) return 'timeout';
  if (/SSL|TLS|CERT|certificate|self.signed|EPROTO|ECONNRESET|socket hang up|UNABLE_TO_|handshake/i.test(text)) return 'tls-error';
  return 'error';
}

export async function testConnection(conn: ResolvedConnection, timeoutMs = 5000): Promise<ConnectionTestResult> {
  let lastError: unknown = null;
  const redis = new Redis({
    ...redisOptionsFromUrl(conn.url),
    ...conn.redisOptions,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    // A failed AUTH must fail the test, not be logged and skipped.
    enableReadyCheck: true,
  });
  redis.on('error', (err: Error) => (lastError = err));
  try {
    await redis.connect();
    const started = performance.now();
    await redis.ping();
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    const info = await redis.info('server');
    const redisVersion = /redis_version:(\S+)/.exec(info)?.[1];
    return { verdict: 'ok', message: `connected to Redis ${redisVersion ?? ''} in ${latencyMs} ms`.replace('  ', ' '), redisVersion, latencyMs };
  } catch (err) {
    // "Connection is closed" hides the cause; the error event carries it, at times a moment later.
    if (lastError === null) await new Promise((r) => setTimeout(r, 100));
    const cause = lastError ?? err;
    const verdict = classifyConnectionError(cause);
    const text = cause instanceof Error ? cause.message : String(cause);
    return { verdict, message: `${ADVICE[verdict]} (${text})` };
  } finally {
    redis.disconnect();
  }
}
