import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/consumer/', import.meta.url));

let server: RedisServer;
let redis: Redis;
let project: string;

beforeAll(async () => {
  server = await startRedisServer();
  redis = server.client();
  project = mkdtempSync(join(tmpdir(), 'celeriac-consumer-'));
}, 120_000);
afterAll(async () => {
  rmSync(project, { recursive: true, force: true });
  await server.stop();
});

describe('the celeriac package', () => {
  it('is importable by its own name from inside the project (self-reference)', () => {
    // The compiled library, the way a task module inside the project reaches it.
    cpSync(join(FIXTURES, 'send.mjs'), join(ROOT, 'dist', 'self-import-check.mjs'));
    try {
      const out = execFileSync(process.execPath, [join(ROOT, 'dist', 'self-import-check.mjs'), server.url], { encoding: 'utf8' });
      expect(out.trim()).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      rmSync(join(ROOT, 'dist', 'self-import-check.mjs'));
    }
  });

  it('installs into another project with its types and bin, and sends tasks there', async () => {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', project], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
    const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', join(project, tarball)], { cwd: project, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    cpSync(join(FIXTURES, 'send.mjs'), join(project, 'send.mjs'));
    const id = execFileSync(process.execPath, ['send.mjs', server.url], { cwd: project, encoding: 'utf8' }).trim();
    expect(await redis.llen('celery')).toBeGreaterThanOrEqual(1);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const bin = execFileSync(join(project, 'node_modules', '.bin', 'celeriac'), ['--version'], { encoding: 'utf8' });
    expect(bin.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const types = spawnSync('test', ['-f', join(project, 'node_modules/celeriac/dist/src-main/core/index.d.ts')]);
    expect(types.status).toBe(0);
    // The built-in tasks, by their package name.
    const worker = spawn(join(project, 'node_modules', '.bin', 'celeriac'), ['worker', '-A', 'celeriac/tasks', '-c', '1', '-l', 'info', '-b', server.url], { cwd: project });
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        log += d.toString();
        if (log.includes(' ready.')) resolve();
      };
      worker.stderr.on('data', onData);
      worker.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${log}`)));
    });
    expect(log).toContain('. checksum');
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    await exited;
  }, 300_000); // npm pack and install take minutes on a loaded 2-core machine
});
