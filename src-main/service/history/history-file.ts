/**
 * Which history file belongs to a connection: one per Redis (its address and database, or a
 * Sentinel deployment's master name and database), never per profile name. Two profiles on
 * one Redis share a history; one profile pointed at another Redis switches to that Redis's.
 */
import { createHash } from 'node:crypto';
import { parseRedisUrl } from '../../core/broker/connection.js';

/**
 * The Redis a URL names, as one canonical string (no credentials): `redis://host:port/db`, or
 * `sentinel://<master>/db` (the master moves between hosts; its name stays).
 * @throws ConfigurationError for a URL that is not redis://, rediss:// or sentinel://
 */
export function redisIdentity(url: string): string {
  const p = parseRedisUrl(url);
  if (p.masterName) return `sentinel://${p.masterName}/${p.db}`;
  return `redis://${p.host.toLowerCase()}:${p.port}/${p.db}`;
}

/**
 * The history's file name for a Redis: readable (host, port, db) and unique (a hash of the
 * identity, so `::1` and `__1` never meet after the unsafe characters are replaced).
 * @param identity redisIdentity's string, or 'local' for the control room's own redis-server,
 *   whose port may change between starts while its data stays the same
 */
export function historyFileName(identity: string): string {
  if (identity === 'local') return 'local.sqlite';
  const readable = identity.replace(/^\w+:\/\//, '').replace(/[^\w.-]+/g, '-').slice(0, 80);
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 10);
  return `${readable}-${hash}.sqlite`;
}
