/**
 * Connection profiles: a named Redis the control room can show. What is secret (the password,
 * a TLS client key) is kept apart from the rest, so the store can seal it and the views never
 * see it.
 */
import type { ConnectionOptions } from 'node:tls';
import type { RedisOptions } from 'ioredis';
import { parseRedisUrl } from '../../core/broker/connection.js';
import { ConfigurationError } from '../../core/errors.js';
import type { Profile, ProfileView } from '../contract/types/connections.js';

/** The built-in profile of the control room's private redis-server. */
export const LOCAL_PROFILE_ID = 'local';

export interface ProfileSecrets {
  password?: string;
  /** PEM of the TLS client key. */
  tlsKey?: string;
}

export function viewOf(profile: Profile, secrets: ProfileSecrets, builtIn = false): ProfileView {
  return { ...profile, hasPassword: Boolean(secrets.password), hasTlsKey: Boolean(secrets.tlsKey), builtIn };
}

/**
 * Moves a password typed into the URL (`redis://:pw@host`) into the secrets, so it is never
 * stored in the clear with the rest of the profile.
 * @throws ConfigurationError for a URL that is not redis:// or rediss://
 */
export function splitUrlSecrets(url: string): { url: string; username?: string; password?: string } {
  parseRedisUrl(url);
  let password: string | undefined;
  let username: string | undefined;
  const stripped = withFirstPart(url, (u) => {
    password = u.password ? decodeURIComponent(u.password) : undefined;
    username = u.username ? decodeURIComponent(u.username) : undefined;
    u.password = '';
    u.username = '';
  });
  return { url: stripped, username, password };
}

/**
 * Changes the first part of a URL: the whole of a redis:// one, the first sentinel of a
 * Sentinel one (`sentinel://...;sentinel://...`), whose credentials and db are the master's.
 */
function withFirstPart(url: string, change: (u: URL) => void): string {
  const [first, ...rest] = url.split(';');
  const u = new URL(first!);
  change(u);
  return [u.toString(), ...rest].join(';');
}

/** What opens a connection to a profile: the URL (with credentials) and ioredis's TLS options. */
export interface ResolvedConnection {
  url: string;
  redisOptions: RedisOptions;
}

/** @throws ConfigurationError when TLS settings are given for a redis:// (plain) URL */
export function resolveConnection(profile: Profile, secrets: ProfileSecrets): ResolvedConnection {
  let protocol = '';
  const url = withFirstPart(profile.url, (u) => {
    protocol = u.protocol;
    if (profile.username) u.username = encodeURIComponent(profile.username);
    if (secrets.password) u.password = encodeURIComponent(secrets.password);
    if (profile.db !== undefined) u.pathname = `/${profile.db}`;
  });
  const tlsWanted = Boolean(profile.tls?.ca || profile.tls?.cert || secrets.tlsKey || profile.tls?.skipVerify);
  if (protocol !== 'rediss:' && protocol !== 'sentinels:') {
    if (tlsWanted) throw new ConfigurationError(`profile "${profile.name}" has TLS settings but a plain URL; use rediss:// (or sentinels://)`);
    return { url, redisOptions: {} };
  }
  const tls: ConnectionOptions = { rejectUnauthorized: !profile.tls?.skipVerify };
  if (profile.tls?.ca) tls.ca = profile.tls.ca;
  if (profile.tls?.cert) tls.cert = profile.tls.cert;
  if (secrets.tlsKey) tls.key = secrets.tlsKey;
  return { url, redisOptions: protocol === 'sentinels:' ? { tls, sentinelTLS: tls } : { tls } };
}
