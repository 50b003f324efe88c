/**
 * `celeriac serve` behind a reverse proxy's path and HTTP Basic credentials, over real HTTP and
 * a real WebSocket: every route under the prefix, nothing without the credentials (a 401 that
 * asks for them), the token still asked; and staged files that are symbolic links out of the
 * staging folder refused.
 */
import WebSocket from 'ws';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { parseBasicAuth } from '../../src-main/server/access.js';
import { startServer, type RunningServer } from '../../src-main/server/http-server.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { useRedisSuite } from '../helpers/suite.js';
import { wsReply } from '../helpers/ws.js';

let app: App;
useRedisSuite((s) => ({ app } = s), { app: { taskRecords: true } });

const TOKEN = 'access-token-0123456789';
const AUTH = `Basic ${Buffer.from('ops:pa:ss word').toString('base64')}`;
const UPLOADS = mkdtempSync(join(tmpdir(), 'celeriac-access-uploads-'));
const OUTSIDE = mkdtempSync(join(tmpdir(), 'celeriac-access-outside-'));
const STATIC = mkdtempSync(join(tmpdir(), 'celeriac-access-static-'));
let service: ConnectionService;
let server: RunningServer;

beforeAll(async () => {
  writeFileSync(join(STATIC, 'index.html'), '<!doctype html><script type="module" src="./assets/app.js"></script>');
  mkdirSync(join(STATIC, 'assets'));
  writeFileSync(join(STATIC, 'assets', 'app.js'), 'console.log("app")');
  service = new ConnectionService(app);
  await service.start();
  server = await startServer({
    service, port: 0, token: TOKEN, uploadDir: UPLOADS, staticDir: STATIC,
    basicAuth: parseBasicAuth(['viewer:other', 'ops:pa:ss word']), urlPrefix: '/celeriac/',
    metrics: () => service.metrics(), exportTasks: (q, format) => service.exportTasks(q, format),
  });
});
afterAll(async () => {
  await server?.close();
  await service?.stop();
});

/** A raw HTTP request: the path exactly as given, redirects not followed. */
function http(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A WebSocket to `path`; rejects with the refusal's status and its WWW-Authenticate header. */
function connect(path: string, headers: Record<string, string>): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode} ${res.headers['www-authenticate'] ?? ''}`.trim())));
    ws.once('error', reject);
  });
}

describe('serve --url-prefix with --basic-auth', () => {
  it('prints a URL with the prefix and the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/celeriac/?token=${TOKEN}`);
  });

  it('asks for the credentials on every route, before anything else', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/celeriac/'], ['GET', '/celeriac/assets/app.js'], ['GET', `/celeriac/metrics?token=${TOKEN}`], ['GET', `/celeriac/export?format=csv&token=${TOKEN}`],
      ['GET', `/celeriac/download?path=x&token=${TOKEN}`], ['POST', '/celeriac/upload?staging=s&path=a.txt'], ['GET', `/celeriac/auth?token=${TOKEN}`], ['GET', '/'], ['GET', '/metrics'],
    ];
    const wrong = `Basic ${Buffer.from('ops:wrong').toString('base64')}`;
    for (const [method, path] of routes) {
      for (const headers of [{}, { Authorization: wrong }, { Authorization: 'Basic !!!' }, { Authorization: `Bearer ${TOKEN}` }] as Array<Record<string, string>>) {
        const res = await http(path, { ...headers, 'X-Celeriac-Token': TOKEN }, method, method === 'POST' ? 'x' : undefined);
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Basic realm="Celeriac", charset="UTF-8"');
      }
    }
    expect(readdirSync(UPLOADS)).toEqual([]); // the refused upload wrote nothing
  });

  it('serves the page and its assets under the prefix, and only there', async () => {
    const page = await http('/celeriac/', { Authorization: AUTH });
    expect(page.status).toBe(200);
    expect(page.body).toContain('./assets/app.js');
    expect((await http('/celeriac/assets/app.js', { Authorization: AUTH })).body).toBe('console.log("app")');
    // The prefix without its slash: sent to the page, query kept (its relative links need the slash).
    const bare = await http(`/celeriac?token=${TOKEN}`, { Authorization: AUTH });
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe(`/celeriac/?token=${TOKEN}`);
    for (const path of ['/', '/index.html', `/metrics?token=${TOKEN}`, `/auth?token=${TOKEN}`, '/celeriacx/', '/other/celeriac/']) {
      const res = await http(path, { Authorization: AUTH });
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body).error).toBe('this control room is served under /celeriac/');
    }
  });

  it('still asks for the token under the credentials: /auth, /metrics, /export', async () => {
    expect((await http(`/celeriac/auth?token=${TOKEN}`, { Authorization: AUTH })).status).toBe(204);
    expect((await http('/celeriac/auth?token=stale', { Authorization: AUTH })).status).toBe(401);
    expect((await http('/celeriac/metrics', { Authorization: AUTH })).status).toBe(401);
    const metrics = await http(`/celeriac/metrics?token=${TOKEN}`, { Authorization: AUTH });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('# TYPE');
    const csv = await http(`/celeriac/export?format=csv&token=${TOKEN}`, { Authorization: AUTH });
    expect(csv.status).toBe(200);
    expect(csv.body.startsWith('id,name,state,')).toBe(true);
  });

  it('answers a WebSocket call through the prefix with the credentials and the token; refuses it otherwise', async () => {
    const ws = await connect(`/celeriac/ws?token=${TOKEN}`, { Authorization: AUTH });
    const reply = await wsReply(ws, { id: 1, method: 'queues:list', input: {} });
    expect(reply).toMatchObject({ id: 1, ok: true, value: expect.arrayContaining([expect.objectContaining({ name: 'celery' })]) });
    ws.close();
    await expect(connect(`/celeriac/ws?token=${TOKEN}`, {})).rejects.toThrow('refused: 401 Basic realm="Celeriac", charset="UTF-8"');
    await expect(connect(`/celeriac/ws?token=${TOKEN}`, { Authorization: `Basic ${Buffer.from('ops:nope').toString('base64')}` })).rejects.toThrow('refused: 401 Basic');
    await expect(connect('/celeriac/ws?token=wrong', { Authorization: AUTH })).rejects.toThrow(/^refused: 401$/);
    await expect(connect(`/ws?token=${TOKEN}`, { Authorization: AUTH })).rejects.toThrow('refused: 404');
    await expect(connect(`/celeriac/ws?token=${TOKEN}`, { Authorization: AUTH, Origin: 'https://evil.example' })).rejects.toThrow('refused: 403');
  });

  it('takes an upload and hands it back under the prefix', async () => {
    const up = await http('/celeriac/upload?staging=s1&path=in.txt', { Authorization: AUTH, 'X-Celeriac-Token': TOKEN }, 'POST', 'hello');
    expect(up.status).toBe(200);
    const { path } = JSON.parse(up.body) as { path: string };
    expect(path).toBe(join(UPLOADS, 's1', 'in.txt'));
    const down = await http(`/celeriac/download?path=${encodeURIComponent(path)}&token=${TOKEN}`, { Authorization: AUTH });
    expect(down).toMatchObject({ status: 200, body: 'hello' });
  });
});

describe('staged files that are symbolic links', () => {
  const auth = { Authorization: AUTH };
  it('refuses to hand out or overwrite a file a link in the staging folder points to, with a 403 that says why', async () => {
    const secret = join(OUTSIDE, 'secret.txt');
    writeFileSync(secret, 'the secret');
    mkdirSync(join(UPLOADS, 'links'), { recursive: true });
    const link = join(UPLOADS, 'links', 'secret.txt');
    symlinkSync(secret, link);

    const down = await http(`/celeriac/download?path=${encodeURIComponent(link)}&token=${TOKEN}`, auth);
    expect(down.status).toBe(403);
    expect(JSON.parse(down.body).error).toBe(`${link} leads out of the staging folder through a symbolic link: refused`);
    expect(down.body).not.toContain('the secret');

    const replace = await http(`/celeriac/upload?replace=${encodeURIComponent(link)}`, { ...auth, 'X-Celeriac-Token': TOKEN }, 'POST', 'overwritten');
    expect(replace.status).toBe(403);
    expect(JSON.parse(replace.body).error).toMatch(/through a symbolic link: refused$/);
    expect(readFileSync(secret, 'utf8')).toBe('the secret');
  });

  it('refuses an upload into a staging folder that is a link out', async () => {
    symlinkSync(OUTSIDE, join(UPLOADS, 'away'));
    const up = await http('/celeriac/upload?staging=away&path=planted.txt', { ...auth, 'X-Celeriac-Token': TOKEN }, 'POST', 'planted');
    expect(up.status).toBe(403);
    expect(JSON.parse(up.body).error).toBe('away/planted.txt leads out of the staging folder through a symbolic link: refused');
    expect(readdirSync(OUTSIDE)).toEqual(['secret.txt']);
  });

  it('still serves a link that stays inside the staging folder', async () => {
    const real = join(UPLOADS, 'links', 'real.txt');
    writeFileSync(real, 'inside');
    const link = join(UPLOADS, 'links', 'alias.txt');
    symlinkSync(real, link);
    expect(await http(`/celeriac/download?path=${encodeURIComponent(link)}&token=${TOKEN}`, auth)).toMatchObject({ status: 200, body: 'inside' });
  });
});
