/**
 * `celeriac serve` as users run it, fed what an attacker or a broken client sends: bad
 * %-escapes, oversize and malformed WebSocket frames, deeply nested JSON, odd uploads, a
 * rebinding Host header. The process answers each with a typed error and stays up.
 */
import { request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { wsReply } from '../helpers/ws.js';
import type { ChildProcess } from 'node:child_process';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';

let redis: RedisServer;
let serve: { process: ChildProcess; url: string };
let base: URL;
let token: string;

beforeAll(async () => {
  redis = await startRedisServer();
  serve = await startServe(['-b', redis.url, '--no-pool']);
  base = new URL(serve.url);
  token = base.searchParams.get('token')!;
});
afterAll(async () => {
  await stopServe(serve?.process);
  await redis?.stop();
});

/** A raw HTTP request (the path sent exactly as given, no client-side normalising). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: base.port, path, method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function open(): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${base.port}/ws?token=${token}`, { maxPayload: 0 });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

async function stillServing(): Promise<void> {
  expect(serve.process.exitCode).toBeNull();
  const ws = await open();
  const r = await wsReply(ws, JSON.stringify({ id: 'alive', method: 'queues:list', input: {} }));
  expect(r).toMatchObject({ id: 'alive', ok: true });
  ws.close();
}

describe('the static file server', () => {
  it('answers 400 to a malformed %-escape and goes on', async () => {
    for (const path of ['/%zz', '/%', '/%E0%A4%A', '/assets/%C0', '/a%00b']) {
      expect((await get(path)).status, path).toBe(400);
    }
    expect((await get('/')).status).toBe(200);
    await stillServing();
  });
});

describe('the WebSocket', () => {
  it('answers a request over the size limit with E_TOO_LARGE, and closes 1009 on a frame past the frame limit', async () => {
    const ws = await open();
    const big = JSON.stringify({ id: 1, method: 'tasks:submit', input: { name: 'x', args: ['a'.repeat(33 * 1024 * 1024)] } });
    expect(await wsReply(ws, big)).toMatchObject({ ok: false, error: { code: 'E_TOO_LARGE' } });
    const huge = Buffer.alloc(65 * 1024 * 1024 + 10, 0x20);
    const code = closed(ws);
    ws.send(huge);
    expect(await code).toBe(1009);
    await stillServing();
  });

  it('takes a drop of 10,000 file paths (1.1 MB) in one call', async () => {
    const ws = await open();
    const files = Array.from({ length: 10_000 }, (_, i) => `/home/someone/Pictures/holiday-2026/a-rather-long-folder-name/and-another-one/IMG_${String(i).padStart(6, '0')}-edited-final-v2.jpeg`);
    expect(JSON.stringify(files).length).toBeGreaterThan(1_100_000);
    const r = await wsReply(ws, JSON.stringify({ id: 2, method: 'batches:preview', input: { task: 'checksum', files } }));
    expect(r).toMatchObject({ id: 2, ok: true });
    ws.close();
  });

  it('closes 1007 on a text frame that is not UTF-8, and 1002 on an unmasked frame', async () => {
    const ws = await open();
    const code = closed(ws);
    // Sent below the ws library, which would refuse to: a text frame of invalid UTF-8, masked.
    const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    const payload = Buffer.from([0xc3, 0x28]);
    const mask = Buffer.from([1, 2, 3, 4]);
    socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]));
    expect(await code).toBe(1007);

    const raw = tcpConnect(Number(base.port), '127.0.0.1');
    await new Promise((r) => raw.once('connect', r));
    raw.write(`GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${base.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await new Promise((r) => raw.once('data', r));
    const unmasked = Buffer.from('{"id":1}');
    raw.write(Buffer.concat([Buffer.from([0x81, unmasked.length]), unmasked]));
    const answer = await new Promise<Buffer>((r) => raw.once('data', r));
    expect(answer[0]).toBe(0x88); // a close frame
    expect(answer.readUInt16BE(2)).toBe(1002);
    raw.destroy();
    await stillServing();
  });

  it('refuses JSON nested 1,500 deep in tasks:submit and batches:preview with E_BAD_INPUT', async () => {
    const ws = await open();
    const deep = `${'['.repeat(1500)}1${']'.repeat(1500)}`;
    const submit = await wsReply(ws, `{"id":3,"method":"tasks:submit","input":{"name":"tasks.add","args":[${deep}]}}`);
    expect(submit).toMatchObject({ id: 3, ok: false, error: { code: 'E_BAD_INPUT', message: expect.stringContaining('nests deeper') } });
    const preview = await wsReply(ws, `{"id":4,"method":"batches:preview","input":{"task":"checksum","rows":[{"a":${deep}}]}}`);
    expect(preview).toMatchObject({ id: 4, ok: false, error: { code: 'E_BAD_INPUT' } });
    const binary = await wsReply(ws, Buffer.from('{"id":5}'));
    expect(binary).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    ws.close();
    await stillServing();
  });
});

describe('uploads', () => {
  const upload = (path: string): Promise<{ status: number; body: string }> =>
    get(`/upload?staging=s1&path=${encodeURIComponent(path)}`, { 'x-celeriac-token': token, 'content-type': 'application/octet-stream' }, 'POST', Buffer.from('data'));

  it('answers an over-long path, a colliding one and a name with a newline with 4xx and a reason', async () => {
    expect((await upload('a/b.txt')).status).toBe(200);
    const collide = await upload('a/b.txt/c.txt');
    expect(collide.status).toBe(409);
    expect(JSON.parse(collide.body).error).toMatch(/collides/);
    const long = await upload(Array.from({ length: 20 }, () => 'x'.repeat(250)).join('/'));
    expect(long.status).toBe(400);
    expect(JSON.parse(long.body).error).toMatch(/too long/);
    const newline = await upload('evil\nname.txt');
    expect(newline.status).toBe(400);
    expect(JSON.parse(newline.body).error).toMatch(/relative path/);
    await stillServing();
  });
});

describe('staged files: replaced with a fixed one, downloaded', () => {
  it('replaces a staged upload in place and downloads it; nothing outside the staging folders either way', async () => {
    const first = await get(`/upload?staging=s2&path=in.txt`, { 'x-celeriac-token': token }, 'POST', Buffer.from('broken'));
    const staged = JSON.parse(first.body).path as string;
    const replaced = await get(`/upload?replace=${encodeURIComponent(staged)}`, { 'x-celeriac-token': token }, 'POST', Buffer.from('fixed'));
    expect(replaced.status).toBe(200);
    const down = await get(`/download?path=${encodeURIComponent(staged)}&token=${token}`);
    expect(down).toEqual({ status: 200, body: 'fixed' });
    expect((await get(`/download?path=${encodeURIComponent(staged)}&token=wrong`)).status).toBe(401);
    for (const outside of ['/etc/passwd', `${staged}/../../../../profiles.json`, 'relative.txt']) {
      expect((await get(`/download?path=${encodeURIComponent(outside)}&token=${token}`)).status, outside).toBe(404);
      expect((await get(`/upload?replace=${encodeURIComponent(outside)}`, { 'x-celeriac-token': token }, 'POST', Buffer.from('x'))).status, outside).toBe(404);
    }
    await stillServing();
  });
});

describe('--no-token and --read-only', () => {
  let open2: { process: ChildProcess; url: string };
  beforeAll(async () => {
    open2 = await startServe(['-b', redis.url, '--no-pool', '--no-token', '--read-only']);
  });
  afterAll(() => stopServe(open2?.process));

  it('serves only a loopback Host without a token (DNS rebinding)', async () => {
    const port = new URL(open2.url).port;
    const at = (host: string): Promise<number> =>
      new Promise((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => resolve(res.statusCode ?? 0)).on('error', reject).end();
      });
    expect(await at(`127.0.0.1:${port}`)).toBe(200);
    expect(await at(`localhost:${port}`)).toBe(200);
    expect(await at(`evil.example:${port}`)).toBe(421);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host: `evil.example:${port}` } });
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(421);
  });

  it('refuses every method that changes anything, and answers the ones that read', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${new URL(open2.url).port}/ws`);
    await new Promise((r) => ws.once('open', r));
    const queues = await wsReply(ws, JSON.stringify({ id: 1, method: 'queues:list', input: {} }));
    expect(queues).toMatchObject({ ok: true });
    for (const [method, input] of [
      ['tasks:submit', { name: 'tasks.add', args: [1, 2] }],
      ['queues:purge', { queue: 'celery', confirm: true }],
      ['tasks:revoke', { ids: ['x'] }],
      ['connections:use', { id: 'local' }],
      ['pool:start', {}],
    ] as const) {
      const r = await wsReply(ws, JSON.stringify({ id: method, method, input }));
      expect(r, method).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN', message: expect.stringContaining('read-only') } });
    }
    expect(await wsReply(ws, JSON.stringify({ id: 's', method: 'connection:status', input: {} }))).toMatchObject({ ok: true, value: { readOnly: true } });
    ws.close();
  });
});
