import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wsReply } from '../helpers/ws.js';
import { pruneUploads } from '../../src-main/server/uploads.js';
import type { App } from '../../src-main/core/app.js';
import { startServer, type RunningServer } from '../../src-main/server/http-server.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { useRedisSuite } from '../helpers/suite.js';

let app: App;
useRedisSuite((s) => ({ app } = s), { app: { taskRecords: true }, worker: { concurrency: 1 } });

let service: ConnectionService;
let server: RunningServer;
const TOKEN = 'test-token-0123456789';
const UPLOADS = mkdtempSync(join(tmpdir(), 'celeriac-uploads-'));

beforeAll(async () => {
  service = new ConnectionService(app);
  await service.start();
  server = await startServer({ service, port: 0, token: TOKEN, uploadDir: UPLOADS });
});
afterAll(async () => {
  await server?.close();
  await service?.stop();
});

function connect(token: string | null, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${token === null ? '' : `?token=${token}`}`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('celeriac serve: the contract over a WebSocket', () => {
  it('binds loopback and prints a URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
  });

  it('serves calls with the token', async () => {
    const ws = await connect(TOKEN);
    const reply = await wsReply(ws, { id: 1, method: 'queues:list', input: {} });
    expect(reply).toMatchObject({ id: 1, ok: true, value: expect.arrayContaining([expect.objectContaining({ name: 'celery' })]) });
    ws.close();
  });

  it('refuses connections without the right token, or from another origin', async () => {
    await expect(connect(null)).rejects.toThrow('refused: 401');
    await expect(connect('wrong')).rejects.toThrow('refused: 401');
    await expect(connect(TOKEN, { Origin: 'https://evil.example' })).rejects.toThrow('refused: 403');
  });

  it('answers bad calls with typed errors and stays up', async () => {
    const ws = await connect(TOKEN);
    expect(await wsReply(ws, 'not json')).toMatchObject({ id: null, ok: false, error: { code: 'E_BAD_INPUT' } });
    expect(await wsReply(ws, { id: 2, method: 'nope' })).toMatchObject({ id: 2, ok: false, error: { code: 'E_UNKNOWN_METHOD' } });
    expect(await wsReply(ws, { id: 3, method: 'queues:browse', input: { queue: 7 } })).toMatchObject({ id: 3, ok: false, error: { code: 'E_BAD_INPUT', issues: [{ path: 'queue' }] } });
    expect(await wsReply(ws, { id: 4, method: 'workers:list', input: {} })).toMatchObject({ id: 4, ok: true });
    ws.close();
  });

  it('takes uploads into a staging folder with the token, keeps folders, refuses escapes', async () => {
    const post = (query: string, body: string, headers: Record<string, string> = { 'X-Celeriac-Token': TOKEN }) =>
      fetch(`http://127.0.0.1:${server.port}/upload?${query}`, { method: 'POST', headers, body });
    const ok = await post('staging=s1&path=photos%2Fa.jpg', 'jpeg bytes');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ path: join(UPLOADS, 's1', 'photos', 'a.jpg'), bytes: 10 });
    expect(readFileSync(join(UPLOADS, 's1', 'photos', 'a.jpg'), 'utf8')).toBe('jpeg bytes');
    expect((await post('staging=s1&path=b.jpg', 'x', {})).status).toBe(401);
    expect((await post('staging=s1&path=b.jpg', 'x', { 'X-Celeriac-Token': 'wrong' })).status).toBe(401);
    expect((await post('staging=s1&path=b.jpg', 'x', { 'X-Celeriac-Token': TOKEN, Origin: 'https://evil.example' })).status).toBe(403);
    for (const path of ['..%2Fescape.txt', 'a%2F..%2F..%2Fescape.txt', '%2Fetc%2Fpasswd', 'a%5C..%5Cb']) {
      expect((await post(`staging=s1&path=${path}`, 'x')).status, path).toBe(400);
    }
    expect((await post('staging=..&path=a.txt', 'x')).status).toBe(400);
    expect(readdirSync(UPLOADS)).toEqual(['s1']);
    // Staging folders go after a week (at the next start).
    expect(await pruneUploads(UPLOADS)).toBe(0);
    const old = new Date(Date.now() - 8 * 86_400_000);
    utimesSync(join(UPLOADS, 's1'), old, old);
    expect(await pruneUploads(UPLOADS)).toBe(1);
    expect(readdirSync(UPLOADS)).toEqual([]);
  });

  it('sends a client only the events it subscribed to', async () => {
    const ws = await connect(TOKEN);
    const events: string[] = [];
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { event?: string };
      if (msg.event) events.push(msg.event);
    });
    ws.send(JSON.stringify({ subscribe: ['batches:changed'] }));
    const submitted = await wsReply(ws, { id: 9, method: 'tasks:submit', input: { name: 'tasks.add', args: [2, 2] } });
    expect(submitted).toMatchObject({ ok: true });
    await app.asyncResult((submitted.value as { id: string }).id).get({ timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(events).not.toContain('tasks:changed');
    ws.close();
  });

  it('pushes task changes as they happen: ids and states, nothing more', async () => {
    const ws = await connect(TOKEN);
    const changes: Array<Record<string, unknown>> = [];
    const seen = new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as { event?: string; data?: Array<Record<string, unknown>> };
        if (msg.event === 'tasks:changed') changes.push(...msg.data!);
        if (changes.some((c) => c.state === 'SUCCESS')) resolve();
      });
    });
    const submitted = await wsReply(ws, { id: 5, method: 'tasks:submit', input: { name: 'tasks.add', args: [1, 2] } });
    expect(submitted).toMatchObject({ id: 5, ok: true });
    await seen;
    const id = (submitted.value as { id: string }).id;
    expect(changes.filter((c) => c.id === id).map((c) => c.state)).toContain('SUCCESS');
    for (const c of changes) expect(Object.keys(c).sort()).toEqual(['id', 'state']);
    ws.close();
  });
});

describe('the celeriac serve command', () => {
  it('prints the URL with a fresh token, serves it, and stops on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('../helpers/cli.js');
    const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '-b', app.brokerUrl, '--data-dir', mkdtempSync(join(tmpdir(), 'celeriac-serve-'))], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Celeriac control room: (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const { port, searchParams, hostname } = new URL(url);
    expect(hostname).toBe('127.0.0.1');
    expect(searchParams.get('token')).toMatch(/^[0-9a-f]{48}$/);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${searchParams.get('token')}`);
    await new Promise((r) => ws.once('open', r));
    expect(await wsReply(ws, { id: 1, method: 'workers:list', input: {} })).toMatchObject({ ok: true });
    ws.close();
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('starts on its private Local Redis when no broker is named, and prints its URL for workers here', async () => {
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('../helpers/cli.js');
    const { Redis } = await import('ioredis');
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.CELERIAC_BROKER_URL;
    delete env.CELERY_BROKER_URL;
    const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--no-pool', '--data-dir', mkdtempSync(join(tmpdir(), 'celeriac-serve-local-'))], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const local = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Local Redis: (redis:\/\/:[0-9a-f]{48}@127\.0\.0\.1:\d+\/0) /.exec(out);
        if (m && out.includes('Celeriac control room:')) resolve(m[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    const client = new Redis(local);
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
