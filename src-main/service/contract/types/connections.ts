/** Connection profiles as the Connections view shows them, and a test's verdict. */
import type { ProfileColor } from '../limits.js';

export interface ProfileTls {
  /** PEM of the CA that signed the server's certificate (else the system's CAs). */
  ca?: string;
  /** PEM of the client certificate, for servers that ask for one. */
  cert?: string;
  /** Accept any server certificate. For testing only: the UI says so. */
  skipVerify?: boolean;
}

/** A profile as stored, without its secrets. */
export interface Profile {
  id: string;
  name: string;
  /** redis:// or rediss:// (TLS) URL, without password. */
  url: string;
  /** ACL user name (Redis 6+). */
  username?: string;
  /** Database number; overrides the URL's. */
  db?: number;
  tls?: ProfileTls;
  color: ProfileColor;
  /** Whether the control room runs its worker pool on this Redis (on a queue of its own). */
  hostPool: boolean;
  /** Whether the control room runs a beat on this Redis (it leads, or stands by for another). */
  beat?: boolean;
}

/** What the renderer sees of a profile: never a secret, only whether one is set. */
export interface ProfileView extends Profile {
  hasPassword: boolean;
  hasTlsKey: boolean;
  /** The built-in Local profile cannot be edited or deleted. */
  builtIn: boolean;
}

export type Verdict = 'ok' | 'refused' | 'auth-failed' | 'tls-error' | 'timeout' | 'not-found' | 'not-redis' | 'error';

export interface ConnectionTestResult {
  verdict: Verdict;
  /** One sentence: what happened and what to check. */
  message: string;
  /** The server's version, when connected. */
  redisVersion?: string;
  /** Round trip of one PING, when connected. */
  latencyMs?: number;
}

export interface ConnectionStatus {
  /**
   * connected; connecting; reconnecting (was connected, Redis is unreachable now: see since,
   * nextTryAt, message; calls are refused with E_UNREACHABLE, nothing is queued); failed (see
   * message); no-redis (Local has no redis-server: see installHint).
   */
  state: 'connected' | 'connecting' | 'reconnecting' | 'failed' | 'no-redis';
  /** With reconnecting: since when Redis has been unreachable (ms since the epoch). */
  since?: number;
  /** With reconnecting: when the next attempt is due (ms since the epoch). */
  nextTryAt?: number;
  profile: ProfileView | null;
  /** The URL shown, password hidden. */
  url: string | null;
  message?: string;
  /** With no-redis: the command that installs redis-server here. */
  installHint?: string;
  /** Whether saved secrets are sealed by the OS keychain (desktop) or only by file mode (headless). */
  secretStorage: 'keychain' | 'file-0600';
  /** Set by `serve --read-only`: every method that changes anything is refused. */
  readOnly?: boolean;
}
