import { Redis, type RedisOptions } from 'ioredis';
import { BrokerConnectionError, ConfigurationError } from '../errors.js';

/** Where Celeriac looks for Redis when nothing is configured. */
export const DEFAULT_BROKER_URL = 'redis://127.0.0.1:6379/0';

/**
 * Opens an ioredis connection from a `redis://` or `rediss://` (TLS) URL, with user name,
 * password and database as in Celery's URLs. It connects on first use, so importing a task
 * module that calls createApp() opens nothing.
 * @param url `redis[s]://[[user]:password@]host[:port][/db]`
 * @param extra ioredis options layered on top (TLS files, timeouts, retry strategy)
 * @throws ConfigurationError for a URL that is not a Redis URL
 */
export function openRedis(url: string, extra: RedisOptions = {}): Redis {
  const parsed = parseRedisUrl(url);
  const redis = new Redis(url, {
    lazyConnect: true,
    // A task queue wants commands to wait for a reconnect rather than fail fast...
    maxRetriesPerRequest: null,
    // ...but never to hammer a Redis that is down.
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...(parsed.tls ? { tls: {} } : {}),
    ...extra,
  });
  // ioredis reconnects by itself; without a listener it would print every failed attempt as
  // an "Unhandled error event". Keep the last one so a caller can say why it cannot connect.
  redis.on('error', (err: Error) => lastErrors.set(redis, err));
  return redis;
}

const lastErrors = new WeakMap<Redis, Error>();

export interface ParsedRedisUrl {
  tls: boolean;
  host: string;
  port: number;
  db: number;
  username: string | null;
  hasPassword: boolean;
}

/** @throws ConfigurationError */
export function parseRedisUrl(url: string): ParsedRedisUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigurationError(`${JSON.stringify(url)} is not a URL; use redis://host:port/db or rediss:// for TLS`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new ConfigurationError(`broker URL scheme ${u.protocol} is not supported; use redis:// or rediss://`);
  }
  const dbText = u.pathname.replace(/^\//, '') || '0';
  const db = Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new ConfigurationError(`database ${JSON.stringify(dbText)} in ${redactUrl(url)} is not a number`);
  return {
    tls: u.protocol === 'rediss:',
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    username: u.username ? decodeURIComponent(u.username) : null,
    hasPassword: u.password !== '',
  };
}

/** The URL with its password replaced by `***`, for banners and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid URL>';
  }
}

/**
 * Connects now and fails with one clear sentence if Redis is unreachable or refuses us,
 * instead of ioredis's default of retrying forever. For command-line tools.
 * @throws BrokerConnectionError
 */
export async function connectOrExplain(redis: Redis, url: string): Promise<void> {
  try {
    if (redis.status === 'wait') await redis.connect();
    await redis.ping();
  } catch (err) {
    // "Connection is closed" hides the cause (refused, auth, TLS); the error event has it.
    throw explainConnectionError(lastErrors.get(redis) ?? err, url);
  }
}

/** Turns a low-level connection failure into a BrokerConnectionError that says what to do. */
export function explainConnectionError(err: unknown, url: string): BrokerConnectionError {
  const text = err instanceof Error ? err.message : String(err);
  const where = redactUrl(url);
  let hint = 'is redis-server running there? Set --broker or CELERIAC_BROKER_URL';
  if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(text)) hint = 'authentication failed: check the password (and user name) in the URL';
  else if (/ENOTFOUND|EAI_AGAIN/.test(text)) hint = 'the host name does not resolve';
  else if (/SSL|TLS|certificate|EPROTO/i.test(text)) hint = 'the TLS handshake failed: check rediss:// and the certificates';
  return new BrokerConnectionError(`cannot connect to Redis at ${where}: ${text} (${hint})`, err);
}
