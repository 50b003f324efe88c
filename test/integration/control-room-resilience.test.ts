/**
 * The control room when things around it fail: its Local redis-server killed, a control room
 * that crashed and left one running, a second one on the same data folder, a task module that
 * does not load, a switch that failed and was then fixed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../src-main/service/contract/types/connections.js';
import { createApp } from '../../src-main/core/app.js';
import { LocalRedis, LocalRedisInUseError, type LocalRedisEvent } from '../../src-main/service/connections/local-redis.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { explainLoadError, loadApp } from '../../src-main/core/worker/loader.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'celeriac-resilience-'));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the Local Redis', () => {
  it('is restarted with backoff when it dies, on the same URL, saying so; its data is kept', async () => {
    const events: LocalRedisEvent[] = [];
    const local = new LocalRedis({ dataDir: tmp(), onEvent: (e) => events.push(e) });
    const url = await local.start();
    const app = createApp({ broker: url });
    try {
      await app.broker.set('kept', 'yes');
      await app.broker.bgrewriteaof();
      await new Promise((r) => setTimeout(r, 500));
      const owner = JSON.parse(readFileSync(join((local as unknown as { options: { dataDir: string } }).options.dataDir, 'owner.json'), 'utf8'));
      expect(owner.ownerPid).toBe(process.pid);
      process.kill(owner.redisPid, 'SIGKILL');
      await until(() => events.some((e) => e.kind === 'restarted'), 15_000);
      expect(events[0]).toMatchObject({ kind: 'died', message: expect.stringMatching(/stopped unexpectedly \(killed by SIGKILL\); restarting it in 0\.5 s/) });
      expect(local.url).toBe(url);
      // The app's connection picks up again by itself.
      expect(await app.broker.get('kept')).toBe('yes');
    } finally {
      await app.close();
      await local.stop();
    }
  });

  it('refuses a second control room on the same data folder, naming the first', async () => {
    const dataDir = tmp();
    const first = new LocalRedis({ dataDir });
    await first.start();
    try {
      // The owner file as another live process wrote it: pid 1 lives on every Linux machine.
      const file = join(dataDir, 'owner.json');
      const owner = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...owner, ownerPid: 1 }));
      const second = new LocalRedis({ dataDir });
      const err = await second.start().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LocalRedisInUseError);
      expect((err as Error).message).toMatch(/another Celeriac control room \(pid 1\) runs the Local Redis of/);
      writeFileSync(file, JSON.stringify(owner));
    } finally {
      await first.stop();
    }
  });

  it('stops the redis-server a crashed control room left running before it starts its own on the same files', async () => {
    const dataDir = tmp();
    // A control room in a process of its own, killed with -9: its redis-server lives on.
    const script = `
      import { LocalRedis } from ${JSON.stringify(new URL('../../src-main/service/connections/local-redis.ts', import.meta.url).pathname)};
      const l = new LocalRedis({ dataDir: ${JSON.stringify(dataDir)} });
      await l.start();
      process.stdout.write('started\\n');
      setInterval(() => undefined, 1000);`;
    const crashed = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => crashed.stdout!.on('data', (d: Buffer) => d.toString().includes('started') && resolve()));
    const orphan = JSON.parse(readFileSync(join(dataDir, 'owner.json'), 'utf8')).redisPid as number;
    crashed.kill('SIGKILL');
    await new Promise((r) => crashed.once('exit', r));
    expect(alive(orphan)).toBe(true);

    const next = new LocalRedis({ dataDir });
    await next.start();
    try {
      expect(alive(orphan)).toBe(false);
      expect(JSON.parse(readFileSync(join(dataDir, 'owner.json'), 'utf8')).ownerPid).toBe(process.pid);
    } finally {
      await next.stop();
    }
  });
});

describe('a task module that does not load', () => {
  it('is explained: celeriac not installed beside it, or no "type": "module"', async () => {
    const outside = tmp();
    writeFileSync(join(outside, 'tasks.mjs'), "import { createApp } from 'celeriac';\nexport const app = createApp();\n");
    const missing = await loadApp(join(outside, 'tasks.mjs')).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/the package celeriac is not installed where it can see it\. Run `npm install celeriac` in/);

    const cjs = tmp();
    writeFileSync(join(cjs, 'package.json'), '{"name": "x"}');
    const err = explainLoadError(join(cjs, 'tasks.ts'), new Error('Cannot require() ES Module /x/tasks.ts in a cycle.'));
    expect(err.message).toMatch(/does not say "type": "module"\. Add "type": "module" to that package.json/);
    expect(err.message).toContain(join(cjs, 'package.json'));
  });

  it('leaves the connection up, and the status says why', async () => {
    const redis = await startRedisServer();
    const dir = tmp();
    mkdirSync(join(dir, 'mod'));
    writeFileSync(join(dir, 'mod', 'tasks.mjs'), "import { createApp } from 'celeriac';\nexport const app = createApp();\n");
    const room = new ControlRoom({ dataDir: dir, local: false, initial: { url: redis.url, hostPool: true }, pool: { modules: [join(dir, 'mod', 'tasks.mjs')], concurrency: 1 } });
    try {
      const status = await room.start();
      expect(status.state).toBe('connected');
      expect(status.message).toMatch(/the hosted worker pool is not running: cannot load the task module .* celeriac is not installed/);
      const queues = await room.call('queues:list', {});
      expect(queues.ok).toBe(true);
      const pool = await room.call('pool:status', {});
      expect(pool).toMatchObject({ ok: true, value: { running: false, problem: expect.stringContaining('npm install celeriac') } });
    } finally {
      await room.stop();
      await redis.stop();
    }
  });
});

describe('a switch that failed', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.stop());

  it('keeps its banner only until its profile is fixed', async () => {
    const room = new ControlRoom({ dataDir: tmp(), local: false, initial: { url: redis.url, hostPool: false } });
    const seen: ConnectionStatus[] = [];
    room.onEvent((event, data) => event === 'connection:changed' && seen.push(data as ConnectionStatus));
    try {
      await room.start();
      const saved = await room.call('connections:save', { name: 'broken', url: 'redis://127.0.0.1:1/0' });
      expect(saved.ok).toBe(true);
      const id = (saved as { value: { id: string } }).value.id;
      const after = await room.call('connections:use', { id });
      expect(after).toMatchObject({ ok: true, value: { state: 'connected', message: expect.stringMatching(/^could not switch: broken:/) } });
      // Fixed: the same profile now points at a Redis that answers.
      await room.call('connections:save', { id, name: 'broken', url: `redis://127.0.0.1:${redis.port}/0` });
      const status = await room.call('connection:status', {});
      expect(status).toMatchObject({ ok: true, value: { state: 'connected' } });
      expect((status as { value: ConnectionStatus }).value.message).toBeUndefined();
      expect(seen.at(-1)?.message).toBeUndefined();
    } finally {
      await room.stop();
    }
  });
});
