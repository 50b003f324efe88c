import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import { group } from '../../src-main/core/canvas/signature.js';
import { decodeTaskMessage } from '../../src-main/core/protocol/decode.js';
import type { Worker } from '../../src-main/core/worker/worker.js';
import { pythonCeleryAvailable, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startWorker } from '../helpers/worker.js';

/**
 * A deployment off Celery's defaults: msgpack bodies, gzip, msgpack results on database 1
 * (test/interop/py/pywire.py and test/fixtures/tasks/wire-format.ts are the same app in
 * each language).
 */
const WIRE = fileURLToPath(new URL('../fixtures/tasks/wire-format.ts', import.meta.url));
const available = pythonCeleryAvailable();

describe.runIf(available)('msgpack, yaml and compression between Python Celery and Celeriac', () => {
  let server: RedisServer;
  let db1: Redis;
  let broker: Redis;
  let worker: Worker;
  let py: PythonWorker;
  let app: App;
  const env = () => ({ CELERIAC_TEST_BROKER: server.url });
  const python = async (...args: string[]) => JSON.parse(await runPython('pywire.py', args, env())) as Record<string, unknown>;

  beforeAll(async () => {
    server = await startRedisServer();
    db1 = new Redis(server.url.replace(/\/0$/, '/1'));
    broker = server.client();
    // The Celeriac worker takes Python's default queue; the Python worker its own.
    worker = await startWorker(server.url, { module: WIRE, queues: ['celery'], name: 'wire@test', concurrency: 1 });
    py = await startPythonWorker(server.url, ['pyq'], 'pywire', { app: 'pywire' });
    app = createApp({ broker: server.url, backend: server.url.replace(/\/0$/, '/1'), taskSerializer: 'msgpack', taskCompression: 'gzip', resultSerializer: 'msgpack' });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([worker?.stop(), py?.stop()]);
    await app?.close();
    db1?.disconnect();
    broker?.disconnect();
    await server?.stop();
  });

  it('runs what a Python msgpack + gzip app sends, and Python reads the msgpack results from database 1', async () => {
    const { id } = await python('send', 'wire.add', '[20, 22]');
    expect(await python('get', String(id))).toEqual({ status: 'SUCCESS', result: 42 });
    // Stored as Celery stores it: raw msgpack, a map first.
    const raw = await db1.getBuffer(`celery-task-meta-${String(id)}`);
    expect(raw![0]! & 0xf0).toBe(0x80);

    const value = { a: [1, 2.5, 'ü', null, true], b: { nested: 'x' } };
    const echoed = await python('send', 'wire.echo', JSON.stringify([value]));
    expect(await python('get', String(echoed.id))).toEqual({ status: 'SUCCESS', result: value });

    const failed = await python('send', 'wire.fail', '["broken in ts"]');
    expect(await python('get', String(failed.id))).toEqual({ status: 'FAILURE', exc_type: 'ValueError', exc_message: 'broken in ts' });
  });

  it('runs a Python chord across both workers: members and the group tuple kept in msgpack, read by each side', async () => {
    const out = await python('chord');
    expect(out).toMatchObject({ status: 'SUCCESS', result: [2, 4, 6, 8, 10, 12].reduce((a, b) => a + b, 0) });
    // GroupResult.save() in msgpack, restored by Celeriac; and Celeriac's save restored by Python.
    const saved = await python('group-save');
    const restored = await app.restoreGroup(String(saved.id));
    expect(restored?.results.map((r) => r.id)).toEqual(saved.children);
    expect(await restored?.get({ timeout: 20_000 })).toEqual([1, 2, 3]);
    const ours = await group<number>([app.signature('wire.add', [5, 5], {}, { queue: 'pyq' })]).applyAsync();
    await ours.get({ timeout: 20_000 });
    await ours.save();
    expect(await python('group-restore', ours.id)).toEqual({ children: ours.results.map((r) => r.id), values: [10] });
  });

  it('writes the chain steps it sends next as its app says: msgpack, gzip', async () => {
    await python('chain-held');
    for (let i = 0; i < 100 && (await broker.llen('held2')) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const next = JSON.parse((await broker.lrange('held2', 0, -1))[0]!) as { 'content-type': string; headers: Record<string, unknown>; body: string; properties: Record<string, unknown> };
    expect(next).toMatchObject({ 'content-type': 'application/x-msgpack', headers: { task: 'wire.add', compression: 'application/x-gzip' } });
    const decoded = decodeTaskMessage(JSON.stringify(next));
    expect(decoded.ok && decoded.message.args).toEqual([3, 10]);
  });

  it('refuses an integer past 2^53 by name, and Python learns why instead of waiting', async () => {
    const sent = JSON.parse(await runPython('pywire.py', ['send', 'wire.echo', '[0]'], { ...env(), PYWIRE_BIG: '1' })) as { id: string };
    const out = await python('get', sent.id);
    expect(out).toMatchObject({ status: 'FAILURE', exc_type: 'DecodeError' });
    expect(String(out.exc_message)).toMatch(/1152921504606846976.*beyond JavaScript's exact range/);
  });

  it('runs a Python task_protocol = 1 message (a dict body, empty headers)', async () => {
    const { id } = await python('send-proto1', 'wire.add', '[1, 2]');
    expect(await python('get', String(id))).toEqual({ status: 'SUCCESS', result: 3 });
  });

  it('dead-letters a content type the worker does not accept with Celery\'s ContentDisallowed reason', async () => {
    // The Celeriac app accepts json and msgpack only; Python sends yaml.
    const { id } = await python('send', 'wire.add', '[1, 2]', 'yaml', 'gzip');
    const out = await python('get', String(id));
    expect(out).toMatchObject({ status: 'FAILURE', exc_type: 'DecodeError' });
    expect(String(out.exc_message)).toMatch(/Refusing to deserialize untrusted content of type yaml \(application\/x-yaml\)/);
    const dead = (await broker.lrange('celeriac:dead', 0, -1)).map((d) => JSON.parse(d) as { reason: string; raw: string });
    expect(dead.find((d) => d.raw.includes(String(id)))?.reason).toBe('content_disallowed');
  });

  it('sends msgpack + gzip to a Python worker and reads its msgpack results', async () => {
    // What goes out, seen on a queue nobody consumes: kombu's content type and compression header.
    await app.sendTask('wire.add', [1, 1], {}, { queue: 'held' });
    const held = JSON.parse((await broker.lrange('held', 0, -1))[0]!) as { 'content-type': string; 'content-encoding': string; headers: Record<string, unknown>; body: string };
    expect(held).toMatchObject({ 'content-type': 'application/x-msgpack', 'content-encoding': 'binary', headers: { compression: 'application/x-gzip' } });
    expect(Buffer.from(held.body, 'base64').subarray(0, 2)).toEqual(Buffer.from([0x78, 0x9c]));
    const r = await app.sendTask('wire.add', [2, 3], {}, { queue: 'pyq' });
    expect(await r.get({ timeout: 20_000 })).toBe(5);
    const value = { list: [1, 'é', null], flag: false };
    expect(await app.sendTask('wire.echo', [value], {}, { queue: 'pyq' }).then((x) => x.get({ timeout: 20_000 }))).toEqual(value);
    await expect(app.sendTask('wire.fail', ['from ts'], {}, { queue: 'pyq' }).then((x) => x.get({ timeout: 20_000 })))
      .rejects.toMatchObject({ name: 'ValueError', excMessage: ['from ts'] });
    expect(py.log()).toMatch(/wire\.add\[[0-9a-f-]+\] succeeded/);
  });

  it('sends yaml (per send) to a Python worker, compressed, and reads the result', async () => {
    const value = { when: 'yes', n: [1, 2, 3], text: 'a: b' };
    const r = await app.sendTask('wire.echo', [value], {}, { queue: 'pyq', serializer: 'yaml', compression: 'zlib' });
    expect(await r.get({ timeout: 20_000 })).toEqual(value);
  });
});
