/**
 * Errors as a user of the control room reads them: what the Redis client, the kernel or Redis
 * itself said (ioredis' "Stream isn't writeable and enableOfflineQueue options is false", a
 * bare "connect ECONNREFUSED") turned into what happened and what to do. Messages already in
 * the room's own words pass as they are, cut to a length a banner can show.
 */

/** An error message in a user's words. */
export interface UserWords {
  message: string;
  /** Redis cannot be reached right now and the call did nothing there (safe to try again). */
  unreachable: boolean;
}

/** The longest message passed on: a stack or a Redis reply can be any size. */
export const MAX_ERROR_CHARS = 2000;

interface Rule {
  test: RegExp;
  unreachable: boolean;
  /** What the user reads; `at` is the address the error names, when it names one. */
  say: (at: string) => string;
}

const where = (at: string): string => (at ? ` at ${at}` : '');

// Checked in order: the first that matches says it. The client's own wording is not repeated:
// it names its options, not the problem.
const RULES: readonly Rule[] = [
  { test: /enableOfflineQueue options is false/, unreachable: true, say: () => 'Redis is unreachable: the connection is down, nothing was sent; try again once it is back' },
  { test: /Connection is closed/, unreachable: false, say: () => 'Redis is unreachable: the connection closed before Redis answered (it may or may not have been done: look before trying again)' },
  { test: /Reached the max retries per request limit/, unreachable: false, say: () => 'Redis is unreachable: it did not answer after several tries (it may or may not have been done: look before trying again)' },
  { test: /\bECONNREFUSED\b/, unreachable: true, say: (at) => `Redis is unreachable: nothing accepts connections${where(at)} (is redis-server running, and is the port right?)` },
  { test: /\b(ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/, unreachable: false, say: (at) => `Redis is unreachable: the connection${where(at)} timed out (check the host, the port and any firewall)` },
  { test: /\b(ENOTFOUND|EAI_AGAIN)\b/, unreachable: true, say: (at) => `Redis is unreachable: the host name${at ? ` ${at}` : ''} does not resolve` },
  { test: /\bECONNRESET\b|\bEPIPE\b/, unreachable: false, say: (at) => `Redis is unreachable: the connection${where(at)} was reset` },
  { test: /All sentinels are unreachable/, unreachable: true, say: () => 'Redis is unreachable: no Sentinel answered' },
  { test: /^LOADING\b/, unreachable: true, say: () => 'Redis is starting: it is still loading its data; try again in a moment' },
  { test: /^NOAUTH\b/, unreachable: false, say: () => 'Redis refused the command: it needs a password (set one on the connection)' },
  { test: /^WRONGPASS\b/, unreachable: false, say: () => 'Redis refused the command: the user name or password is wrong' },
  { test: /^NOPERM\b/, unreachable: false, say: () => "Redis refused the command: this user's ACL does not allow it" },
  { test: /^OOM\b/, unreachable: false, say: () => 'Redis refused the write: it is out of memory (its maxmemory is reached)' },
  { test: /^READONLY\b/, unreachable: false, say: () => 'Redis refused the write: this address is a read-only replica (connect to the primary)' },
  { test: /^MISCONF\b/, unreachable: false, say: () => 'Redis refused the write: it cannot save to disk (see its log)' },
];

/** The `host:port` (or host name) a Node network error names: `connect ECONNREFUSED 127.0.0.1:6380`. */
function addressIn(message: string): string {
  return /\b(?:ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNRESET)\s+(\S{1,300})/.exec(message)?.[1] ?? '';
}

/** @returns the message said for a user, and whether it means Redis is unreachable */
export function inUserWords(raw: string): UserWords {
  const original = raw.length > MAX_ERROR_CHARS ? `${raw.slice(0, MAX_ERROR_CHARS)}…` : raw;
  for (const rule of RULES) {
    if (rule.test.test(original)) return { message: rule.say(addressIn(original)), unreachable: rule.unreachable };
  }
  return { message: original, unreachable: false };
}
