import { Redis, type RedisOptions } from 'ioredis';
import { BrokerConnectionError, ConfigurationError } from '../errors.js';

/** Where Celeriac looks for Redis when nothing is configured. */
export const DEFAULT_BROKER_URL = 'redis://127.0.0.1:6379/0';

/**
 * Opens an ioredis connection from a `redis://` or `rediss://` (TLS) URL, with user name,
 * password and database as in Celery's URLs, or from kombu's Sentinel form. It connects on
 * first use, so importing a task module that calls createApp() opens nothing.
 * @param url `redis[s]://[[user]:password@]host[:port][/db]`, or
 *   `sentinel://[:password@]host:26379[/db][;sentinel://host2:26379...]?master_name=mymaster`
 * @param extra ioredis options layered on top (TLS files, timeouts, retry strategy)
 * @throws ConfigurationError for a URL that is not a Redis URL
 */
export function openRedis(url: string, extra: RedisOptions = {}): Redis {
  const redis = new Redis({
    ...redisOptionsFromUrl(url),
    lazyConnect: true,
    // A task queue wants commands to wait for a reconnect rather than fail fast...
    maxRetriesPerRequest: null,
    // ...but never to hammer a Redis that is down.
    retryStrategy: (times) => Math.min(times * 100, 2000),
    // ioredis 5.8.2+ sends CLIENT SETINFO in its handshake, which can race a subscriber's
    // (P)SUBSCRIBE on a reconnect (a failover) and fail its ready check with "Connection in
    // subscriber mode" (ioredis#2037, fixed in 6.0). The library name is all it would set.
    disableClientInfo: true,
    ...extra,
  });
  // ioredis reconnects by itself; without a listener it would print every failed attempt as
  // an "Unhandled error event". Keep the last one so a caller can say why it cannot connect.
  redis.on('error', (err: Error) => lastErrors.set(redis, err));
  if (redis.options.sentinels) reconnectAfterFailoverRace(redis);
  return redis;
}

/**
 * With Sentinel, ioredis can end a connection for good during a failover: when the failover
 * detector's `+switch-master` arrives while a reconnect is still asking the sentinels for the
 * master, that connect attempt fails with "Connection is closed" and the connection's status
 * becomes `end` (no more retries). A worker or producer would then be dead until restarted
 * (seen in test/integration/sentinel-failover.test.ts, about one run in five). Here an `end`
 * that no one asked for (quit / disconnect) connects again; commands queued at that moment have
 * failed, as they do on any lost connection.
 */
function reconnectAfterFailoverRace(redis: Redis): void {
  let closing = false;
  const quit = redis.quit.bind(redis);
  const disconnect = redis.disconnect.bind(redis);
  redis.quit = ((...args: Parameters<Redis['quit']>) => {
    closing = true;
    return quit(...args);
  }) as Redis['quit'];
  redis.disconnect = ((reconnect?: boolean) => {
    if (!reconnect) closing = true;
    disconnect(reconnect);
  }) as Redis['disconnect'];
  redis.on('end', () => {
    if (closing) return;
    setTimeout(() => {
      if (!closing && redis.status === 'end') redis.connect().catch(() => undefined);
    }, 100);
  });
}

/**
 * Where and how to connect, as ioredis options. With Sentinel, ioredis asks the sentinels
 * for the master of `master_name`, and asks again after a failover (the failover detector
 * follows `+switch-master`, so connections move to the promoted replica at once).
 * @throws ConfigurationError
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const p = parseRedisUrl(url);
  const auth = { username: p.username ?? undefined, password: p.password ?? undefined, db: p.db };
  if (p.sentinels) {
    return {
      ...auth,
      sentinels: p.sentinels,
      name: p.masterName!,
      sentinelPassword: p.sentinelPassword ?? undefined,
      failoverDetector: true,
      ...(p.tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
    };
  }
  return { ...auth, host: p.host, port: p.port, ...(p.tls ? { tls: {} } : {}) };
}

const lastErrors = new WeakMap<Redis, Error>();

export interface ParsedRedisUrl {
  tls: boolean;
  host: string;
  port: number;
  db: number;
  username: string | null;
  hasPassword: boolean;
  password: string | null;
  /** With a sentinel:// URL: every sentinel, in the order given (host and port above are the first). */
  sentinels?: Array<{ host: string; port: number }>;
  /** With a sentinel:// URL: the master's name (kombu's transport_options master_name). */
  masterName?: string;
  sentinelPassword?: string | null;
}

/** @throws ConfigurationError */
export function parseRedisUrl(url: string): ParsedRedisUrl {
  if (/^sentinels?:\/\//i.test(url)) return parseSentinelUrl(url);
  const u = parseUrl(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new ConfigurationError(`broker URL scheme ${u.protocol} is not supported; use redis://, rediss:// (TLS) or sentinel://`);
  }
  return {
    tls: u.protocol === 'rediss:',
    host: bareHost(u.hostname),
    port: u.port ? Number(u.port) : 6379,
    db: parseDb(u, url),
    username: u.username ? decodeURIComponent(u.username) : null,
    hasPassword: u.password !== '',
    password: u.password ? decodeURIComponent(u.password) : null,
  };
}

/**
 * kombu's Sentinel URL: `sentinel://[:password@]host:port[/db]`, more sentinels after `;`,
 * the master's name as `?master_name=` (kombu takes it from transport_options). The first
 * part's password and db are the master's, as kombu uses them; `?sentinel_password=` (or
 * kombu's sentinel_kwargs password) authenticates to the sentinels. `sentinels://` is TLS.
 */
function parseSentinelUrl(url: string): ParsedRedisUrl {
  const parts = url.split(';').map((part) => parseUrl(part.trim()));
  const first = parts[0]!;
  const sentinels = parts.map((u) => {
    if (u.protocol !== 'sentinel:' && u.protocol !== 'sentinels:') throw new ConfigurationError(`every part of a Sentinel URL starts with sentinel://, not ${u.protocol}//`);
    return { host: bareHost(u.hostname), port: u.port ? Number(u.port) : 26379 };
  });
  const param = (name: string): string | null => parts.map((u) => u.searchParams.get(name)).find((v) => v !== null) ?? null;
  const masterName = param('master_name');
  if (!masterName) throw new ConfigurationError(`a Sentinel URL names its master: add ?master_name=<name> to ${redactUrl(url)} (kombu's transport_options master_name)`);
  return {
    tls: first.protocol === 'sentinels:',
    host: sentinels[0]!.host,
    port: sentinels[0]!.port,
    db: parseDb(first, url),
    username: first.username ? decodeURIComponent(first.username) : null,
    hasPassword: first.password !== '',
    password: first.password ? decodeURIComponent(first.password) : null,
    sentinels,
    masterName,
    sentinelPassword: param('sentinel_password'),
  };
}

/** A URL's host as a socket takes it: `[::1]` is `::1`; none is loopback. */
function bareHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new ConfigurationError(`${JSON.stringify(url)} is not a URL; use redis://host:port/db, rediss:// for TLS or sentinel://host:26379?master_name=name`);
  }
}

function parseDb(u: URL, url: string): number {
  const dbText = u.pathname.replace(/^\//, '') || '0';
  const db = Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new ConfigurationError(`database ${JSON.stringify(dbText)} in ${redactUrl(url)} is not a number`);
  return db;
}

/** The URL with its passwords replaced by `***`, for banners and error messages. */
export function redactUrl(url: string): string {
  return url.split(';').map((part) => redactOne(part)).join(';');
}

function redactOne(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('sentinel_password')) u.searchParams.set('sentinel_password', '***');
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
