/**
 * `celeriac serve` as users run it: the token kept in the data folder across restarts (the
 * printed URL stays good), `--rotate-token`, and `--basic-auth` / `--url-prefix` from the
 * command line; a bad value stops it before it starts.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

/** `serve` on a given data folder until `use` is done; resolves with what `use` returned. */
async function serving<T>(dataDir: string, args: string[], use: (url: URL) => Promise<T>): Promise<T> {
  const started = await startServe(['-b', redis.url, '--no-pool', '--data-dir', dataDir, ...args]);
  try {
    return await use(new URL(started.url));
  } finally {
    await stopServe(started.process);
  }
}

const auth = (url: URL, token: string, headers: Record<string, string> = {}) => fetch(new URL(`auth?token=${token}`, url), { headers });

describe('the token kept in the data folder', () => {
  it('is the same after a restart, in <data-dir>/token (0600); --rotate-token makes a new one and the old is refused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-serve-token-'));
    const first = await serving(dataDir, [], async (url) => url.searchParams.get('token')!);
    expect(first).toMatch(/^[0-9a-f]{48}$/);
    expect(readFileSync(join(dataDir, 'token'), 'utf8').trim()).toBe(first);
    expect(statSync(join(dataDir, 'token')).mode & 0o777).toBe(0o600);

    await serving(dataDir, [], async (url) => {
      expect(url.searchParams.get('token')).toBe(first);
      expect((await auth(url, first)).status).toBe(204);
    });

    const rotated = await serving(dataDir, ['--rotate-token'], async (url) => {
      const token = url.searchParams.get('token')!;
      expect(token).toMatch(/^[0-9a-f]{48}$/);
      expect(token).not.toBe(first);
      expect((await auth(url, first)).status).toBe(401); // a page open with the old one is told it is stale
      expect((await auth(url, token)).status).toBe(204);
      return token;
    });
    expect(readFileSync(join(dataDir, 'token'), 'utf8').trim()).toBe(rotated);
    await serving(dataDir, [], async (url) => expect(url.searchParams.get('token')).toBe(rotated));
  });

  it('is neither read nor written with --no-token', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-serve-notoken-'));
    await serving(dataDir, ['--no-token'], async (url) => {
      expect(url.search).toBe('');
      expect((await fetch(new URL('auth', url))).status).toBe(204);
    });
    expect(() => statSync(join(dataDir, 'token'))).toThrow(/ENOENT/);
  });
});

describe('--basic-auth and --url-prefix on the command line', () => {
  it('prints the URL under the prefix and asks for the credentials there', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-serve-prefix-'));
    await serving(dataDir, ['--url-prefix', '/celeriac', '--basic-auth', 'u:p', '--basic-auth', 'ops:x,viewer:y'], async (url) => {
      expect(url.pathname).toBe('/celeriac/');
      const token = url.searchParams.get('token')!;
      const refused = await auth(url, token);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      for (const pair of ['u:p', 'ops:x', 'viewer:y']) {
        expect((await auth(url, token, { Authorization: `Basic ${Buffer.from(pair).toString('base64')}` })).status, pair).toBe(204);
      }
    });
  });

  it('refuses a bad value with one line, before starting', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-serve-bad-'));
    const noColon = await runCli(['serve', '-b', redis.url, '--no-pool', '--port', '0', '--data-dir', dataDir, '--basic-auth', 'justapassword']);
    expect(noColon.code).toBe(1);
    expect(noColon.stderr.trim()).toBe('celeriac: ConfigurationError: --basic-auth takes user:password, both non-empty: an entry has no colon');
    const prefix = await runCli(['serve', '-b', redis.url, '--no-pool', '--port', '0', '--data-dir', dataDir, '--url-prefix', '/a/../b']);
    expect(prefix.code).toBe(1);
    expect(prefix.stderr).toMatch(/^celeriac: ConfigurationError: --url-prefix takes a path such as \/celeriac/);
    expect(prefix.stdout).toBe('');
  });
});
