/**
 * Who may reach `celeriac serve`, beyond its token: HTTP Basic credentials (Flower's
 * `--basic-auth user:password`), and the path prefix it is served under behind a reverse proxy
 * (Flower's `--url_prefix`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigurationError } from '../core/errors.js';

/** Credentials at most (a list typed by hand, not a user database). */
export const MAX_BASIC_AUTH_USERS = 64;
/** A user name or password's length at most. */
const MAX_CREDENTIAL_CHARS = 256;
/** An Authorization header's length at most; longer ones are refused unread. */
const MAX_HEADER_CHARS = 4 * MAX_CREDENTIAL_CHARS;

/** What the browser is asked for: Basic, in UTF-8 (RFC 7617). */
export const BASIC_CHALLENGE = 'Basic realm="Celeriac", charset="UTF-8"';

/** One user's credentials, kept as digests: comparing two digests takes the same time whatever they hold. */
export interface BasicCredential {
  user: string;
  digest: Buffer;
}

const digestOf = (user: string, password: string): Buffer => createHash('sha256').update(`${user}\0${password}`).digest();

/**
 * `user:password` values (each may be a comma-separated list, as Flower takes them) as
 * credentials. The password is what follows the first colon; it may hold colons, not commas.
 * @throws ConfigurationError for an entry with no colon, an empty user or password, or too many
 */
export function parseBasicAuth(values: readonly string[]): BasicCredential[] {
  const entries = values.flatMap((v) => v.split(',')).map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length > MAX_BASIC_AUTH_USERS) throw new ConfigurationError(`--basic-auth takes at most ${MAX_BASIC_AUTH_USERS} users, not ${entries.length}`);
  return entries.map((entry) => {
    const colon = entry.indexOf(':');
    const user = colon < 0 ? '' : entry.slice(0, colon);
    const password = colon < 0 ? '' : entry.slice(colon + 1);
    // The entry is not repeated back: it may be a password typed without its user.
    const wrong = colon < 0 ? 'an entry has no colon' : user === '' ? 'an entry has no user name' : password === '' ? `user ${JSON.stringify(user)} has no password` : null;
    if (wrong) throw new ConfigurationError(`--basic-auth takes user:password, both non-empty: ${wrong}`);
    if (user.length > MAX_CREDENTIAL_CHARS || password.length > MAX_CREDENTIAL_CHARS) throw new ConfigurationError(`--basic-auth: a user name or password is at most ${MAX_CREDENTIAL_CHARS} characters`);
    return { user, digest: digestOf(user, password) };
  });
}

/**
 * Whether an `Authorization: Basic …` header names one of the users with its password. Every
 * user is compared, in constant time, whichever matches: the time taken says nothing of
 * which part was wrong.
 */
export function basicAuthOk(header: string | undefined, users: readonly BasicCredential[]): boolean {
  if (!header || header.length > MAX_HEADER_CHARS) return false;
  const m = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!m) return false;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return false;
  const given = digestOf(text.slice(0, colon), text.slice(colon + 1));
  let ok = false;
  for (const u of users) ok = timingSafeEqual(given, u.digest) || ok;
  return ok;
}

/**
 * A --url-prefix as the server matches it: '' for none, else `/a/b` (a leading slash, no
 * trailing one). @throws ConfigurationError for anything but plain path segments
 */
export function normalizeUrlPrefix(given: string | undefined): string {
  const trimmed = (given ?? '').trim().replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  if (trimmed.length > 200 || !/^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(trimmed) || trimmed.split('/').some((s) => s === '.' || s === '..')) {
    throw new ConfigurationError(`--url-prefix takes a path such as /celeriac (letters, digits, . _ ~ - and slashes), not ${JSON.stringify(given)}`);
  }
  return `/${trimmed}`;
}

/**
 * A request's path with the prefix taken off, for routing ('/…'); `redirect` when it names
 * the prefix without its trailing slash (the page's relative links need it); null when it is
 * outside the prefix.
 */
export function underPrefix(url: string, prefix: string): { path: string } | { redirect: string } | null {
  if (prefix === '') return { path: url };
  const query = url.indexOf('?');
  const pathname = query < 0 ? url : url.slice(0, query);
  if (pathname === prefix) return { redirect: `${prefix}/${query < 0 ? '' : url.slice(query)}` };
  return url.startsWith(`${prefix}/`) ? { path: url.slice(prefix.length) } : null;
}
