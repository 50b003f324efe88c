/**
 * Connection profiles against real redis-servers: one with a password, one with TLS (a
 * throwaway CA, client certificates required on the TLS port).
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../src-main/service/contract/types/connections.js';
import { createApp } from '../../src-main/core/app.js';
import { ProfileStore } from '../../src-main/service/connections/profile-store.js';
import { plainCipher, type SecretCipher } from '../../src-main/service/connections/secret-cipher.js';
import { resolveConnection } from '../../src-main/service/connections/profile.js';
import { testConnection } from '../../src-main/service/connections/connection-test.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { freePort, startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { makeTestCerts, redisTlsArgs, type TestCerts } from '../helpers/tls-certs.js';
import { startWorker } from '../helpers/worker.js';

const PASSWORD = 'pa55:word/with@odd';
let server: RedisServer;
let certs: TestCerts;
let tlsPort: number;

beforeAll(async () => {
  certs = makeTestCerts();
  tlsPort = await freePort();
  server = await startRedisServer({ password: PASSWORD, args: redisTlsArgs(certs, tlsPort, 'yes') });
});
afterAll(async () => {
  await server?.stop();
});

const tmp = (): string => mkdtempSync(join(tmpdir(), 'celeriac-profiles-'));
const plainUrl = (): string => `redis://127.0.0.1:${server.port}/0`;
const tlsUrl = (): string => `rediss://127.0.0.1:${tlsPort}/0`;

/** Stands in for Electron's safeStorage: whatever it seals is not the plain text. */
const fakeKeychain: SecretCipher = {
  scheme: 'test-keychain',
  seal: (plain) => Buffer.from(plain).reverse().toString('base64'),
  open: (sealed) => Buffer.from(sealed, 'base64').reverse().toString(),
};

describe('profile store', () => {
  it('keeps no plaintext secret on disk with a keychain cipher, and the file is 0600', () => {
    const file = join(tmp(), 'profiles.json');
    const store = new ProfileStore(file, fakeKeychain);
    const p = store.save({ name: 'prod', url: plainUrl(), color: 'red', hostPool: false }, { password: PASSWORD, tlsKey: certs.clientKey });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('PRIVATE KEY');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // A fresh store (as after a restart) opens them again.
    expect(new ProfileStore(file, fakeKeychain).secrets(p.id)).toEqual({ password: PASSWORD, tlsKey: certs.clientKey });
  });

  it('keeps a secret when the form leaves it out, removes it when emptied', () => {
    const store = new ProfileStore(join(tmp(), 'profiles.json'), plainCipher);
    const p = store.save({ name: 'a', url: plainUrl(), color: 'gray', hostPool: false }, { password: 'x' });
    store.save({ ...p, name: 'b' }, {});
    expect(store.secrets(p.id)).toEqual({ password: 'x' });
    store.save(p, { password: '' });
    expect(store.secrets(p.id)).toEqual({});
  });

  it('says clearly when a secret was sealed elsewhere', () => {
    const file = join(tmp(), 'profiles.json');
    const p = new ProfileStore(file, fakeKeychain).save({ name: 'laptop', url: plainUrl(), color: 'gray', hostPool: false }, { password: 'x' });
    expect(() => new ProfileStore(file, plainCipher).secrets(p.id)).toThrow(/password of profile "laptop" was stored by test-keychain.*enter it again/);
  });
});

describe('test connection', () => {
  const withPassword = (url: string, password = PASSWORD) => ({ id: 't', name: 't', url, color: 'gray' as const, hostPool: false, password });

  it('connects with the password, and says which server it found', async () => {
    const r = await testConnection(resolveConnection(withPassword(plainUrl()), { password: PASSWORD }));
    expect(r).toMatchObject({ verdict: 'ok', redisVersion: expect.stringMatching(/^\d+\./) });
  });

  it('tells a wrong password, a missing one, a closed port, a silent port and a non-Redis server apart', async () => {
    const profile = { id: 't', name: 't', url: plainUrl(), color: 'gray' as const, hostPool: false };
    expect((await testConnection(resolveConnection(profile, { password: 'wrong' }))).verdict).toBe('auth-failed');
    expect((await testConnection(resolveConnection(profile, {}))).verdict).toBe('auth-failed');
    const closed = await freePort();
    expect((await testConnection(resolveConnection({ ...profile, url: `redis://127.0.0.1:${closed}/0` }, {}))).verdict).toBe('refused');

    const silent: Server = createTcpServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentUrl = `redis://127.0.0.1:${(silent.address() as { port: number }).port}/0`;
    const timedOut = await testConnection(resolveConnection({ ...profile, url: silentUrl }, {}), 300);
    expect(timedOut.verdict).toBe('timeout');
    silent.close();

    const http = createHttpServer((_req, res) => res.end('hello'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const httpUrl = `redis://127.0.0.1:${(http.address() as { port: number }).port}/0`;
    // An HTTP server answers PING with a 400 page: ioredis reads "H" where a reply type goes.
    const notRedis = await testConnection(resolveConnection({ ...profile, url: httpUrl }, {}), 1000);
    expect(notRedis, notRedis.message).toMatchObject({ verdict: 'not-redis' });
    http.close();
    const plainToTls = await testConnection(resolveConnection({ ...profile, url: `redis://127.0.0.1:${tlsPort}/0` }, { password: PASSWORD }), 1000);
    expect(plainToTls, plainToTls.message).toMatchObject({ verdict: 'tls-error', message: expect.stringContaining('rediss://') });
  });

  it('rediss://: the CA and a client certificate are needed, skip-verify skips only the server check', async () => {
    const base = { id: 't', name: 't', url: tlsUrl(), color: 'gray' as const, hostPool: false };
    const full = await testConnection(resolveConnection({ ...base, tls: { ca: certs.ca, cert: certs.clientCert } }, { password: PASSWORD, tlsKey: certs.clientKey }));
    expect(full.verdict).toBe('ok');
    const noCa = await testConnection(resolveConnection({ ...base, tls: { cert: certs.clientCert } }, { password: PASSWORD, tlsKey: certs.clientKey }));
    expect(noCa).toMatchObject({ verdict: 'tls-error', message: expect.stringMatching(/self.signed/) });
    const noClientCert = await testConnection(resolveConnection({ ...base, tls: { ca: certs.ca } }, { password: PASSWORD }));
    expect(noClientCert.verdict).toBe('tls-error');
    const skip = await testConnection(resolveConnection({ ...base, tls: { skipVerify: true, cert: certs.clientCert } }, { password: PASSWORD, tlsKey: certs.clientKey }));
    expect(skip.verdict).toBe('ok');
  });

  it('refuses TLS settings on a redis:// URL', () => {
    expect(() => resolveConnection({ id: 't', name: 'x', url: plainUrl(), color: 'gray', hostPool: false, tls: { ca: certs.ca } }, {})).toThrow(/use rediss:\/\//);
  });
});

describe('a worker and a producer over rediss://', () => {
  it('runs a task and stores its result through TLS with a client certificate', async () => {
    const conn = resolveConnection({ id: 't', name: 't', url: tlsUrl(), color: 'gray', hostPool: false, tls: { ca: certs.ca, cert: certs.clientCert } }, { password: PASSWORD, tlsKey: certs.clientKey });
    const queue = uniqueName();
    const worker = await startWorker(conn.url, { redisOptions: conn.redisOptions, queues: [queue], concurrency: 1 });
    const app = createApp({ broker: conn.url, redisOptions: conn.redisOptions });
    try {
      const r = await app.sendTask('tasks.add', [2, 3], {}, { queue });
      expect(await r.get({ timeout: 15_000 })).toBe(5);
    } finally {
      await app.close();
      await worker.stop();
    }
  });
});

describe('control room connections', () => {
  it('saves a profile with the password moved out of the URL, switches live, and stays put when a switch fails', async () => {
    const room = new ControlRoom({ dataDir: tmp(), local: false, initial: { url: server.url, hostPool: false } });
    const events: ConnectionStatus[] = [];
    room.onEvent((event, data) => event === 'connection:changed' && events.push(data as ConnectionStatus));
    try {
      expect(await room.start()).toMatchObject({ state: 'connected', profile: { id: 'command-line', name: 'Command line' } });

      const saved = await room.call('connections:save', { name: 'TLS', url: `rediss://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${tlsPort}/3`, color: 'red', tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } });
      if (!saved.ok) throw new Error(saved.error.message);
      expect(saved.value).toMatchObject({ name: 'TLS', url: `rediss://127.0.0.1:${tlsPort}/3`, hasPassword: true, hasTlsKey: true, color: 'red' });
      expect(JSON.stringify(saved.value)).not.toContain(PASSWORD);

      const test = await room.call('connections:test', { id: saved.value.id });
      expect(test).toMatchObject({ ok: true, value: { verdict: 'ok' } });

      const switched = await room.call('connections:use', { id: saved.value.id });
      expect(switched).toMatchObject({ ok: true, value: { state: 'connected', profile: { name: 'TLS', color: 'red' } } });
      // Calls now go to database 3 over TLS.
      const submitted = await room.call('tasks:submit', { name: 'tasks.add', args: [1, 2], queue: 'on-tls' });
      expect(submitted.ok).toBe(true);
      const plain = server.client();
      await plain.select(3);
      expect(await plain.llen('on-tls')).toBe(1);

      const bad = await room.call('connections:save', { name: 'Nowhere', url: `redis://127.0.0.1:${await freePort()}/0` });
      if (!bad.ok) throw new Error(bad.error.message);
      const failed = await room.call('connections:use', { id: bad.value.id });
      expect(failed).toMatchObject({ ok: true, value: { state: 'connected', profile: { name: 'TLS' }, message: expect.stringMatching(/could not switch: Nowhere: nothing listens there/) } });
      expect((await room.call('queues:list', {})).ok).toBe(true);
      expect(events.map((e) => e.state)).toEqual(['connecting', 'connected', 'connecting', 'connected', 'connecting', 'connected']);

      expect(await room.call('connections:delete', { id: saved.value.id })).toMatchObject({ ok: false, error: { message: /in use/ } });
      expect(await room.call('connections:delete', { id: 'command-line' })).toMatchObject({ ok: false, error: { message: /built in/ } });
      expect(await room.call('connections:save', { name: 'x', url: 'http://example.com' })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    } finally {
      await room.stop();
    }
  });

  it('without a redis-server, Local says how to install one and every other call says not connected', async () => {
    const before = process.env.CELERIAC_REDIS_SERVER;
    process.env.CELERIAC_REDIS_SERVER = '/nonexistent/redis-server';
    const room = new ControlRoom({ dataDir: tmp() });
    try {
      const status = await room.start();
      expect(status).toMatchObject({ state: 'no-redis', profile: { id: 'local' }, installHint: expect.stringContaining('redis') });
      expect(await room.call('queues:list', {})).toMatchObject({ ok: false, error: { code: 'E_NOT_CONNECTED' } });
      expect(await room.call('connections:list', {})).toMatchObject({ ok: true, value: [expect.objectContaining({ id: 'local', builtIn: true })] });
    } finally {
      if (before === undefined) delete process.env.CELERIAC_REDIS_SERVER;
      else process.env.CELERIAC_REDIS_SERVER = before;
      await room.stop();
    }
  });

  it('starts on Local by default, hosting the pool there', async () => {
    const room = new ControlRoom({ dataDir: tmp(), pool: { modules: [], concurrency: 1 } });
    try {
      expect(await room.start()).toMatchObject({ state: 'connected', profile: { id: 'local', name: 'Local' }, url: expect.stringMatching(/^redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0$/) });
      expect(await room.call('pool:status', {})).toMatchObject({ ok: true, value: { running: true } });
    } finally {
      await room.stop();
    }
  });
});
