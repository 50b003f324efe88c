/**
 * `celeriac worker -A tasks.ts` started in a folder without node_modules (so without tsx):
 * the pool's children load the TypeScript through the tsx this package resolves, not through
 * one in the working folder. Spawns the built CLI (bin/celeriac.js runs dist).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { withTsx } from '../../src-main/core/worker/pool/spawner.js';
import { CLI } from '../helpers/cli.js';
import { useRedisSuite } from '../helpers/suite.js';
import type { RedisServer } from '../helpers/redis-server.js';

let server: RedisServer;
useRedisSuite((s) => ({ server } = s));

/** The built library, imported by absolute URL: the folder has no node_modules at all. */
const LIBRARY = pathToFileURL(fileURLToPath(new URL('../../dist/src-main/core/index.js', import.meta.url))).href;

describe('a worker started outside any project', () => {
  it('runs a .ts task module from a folder with no node_modules/tsx (the working folder)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-no-modules-'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    writeFileSync(join(dir, 'tasks.ts'), [
      `import { createApp } from ${JSON.stringify(LIBRARY)};`,
      'export const app = createApp();',
      "export const add = app.task('elsewhere.add', (x: number, y: number): number => x + y);",
      '',
    ].join('\n'));
    const proc = spawn(process.execPath, [CLI, 'worker', '-A', 'tasks.ts', '-b', server.url, '-c', '1', '-l', 'info'], {
      cwd: dir,
      env: { ...process.env, CELERIAC_BROKER_URL: server.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    proc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const app = createApp({ broker: server.url });
    try {
      const r = await app.sendTask('elsewhere.add', [2, 3]);
      expect(await r.get({ timeout: 20_000 }).catch((err: Error) => `${err.message}\n${log}`)).toBe(5);
      expect(log).not.toContain('ERR_MODULE_NOT_FOUND');
    } finally {
      proc.kill('SIGKILL');
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);

  it('gives the children tsx once, as this package resolves it, whatever form the parent had it in', () => {
    const loader = 'file:///pkg/node_modules/tsx/dist/loader.mjs';
    expect(withTsx(['--import', 'tsx', '--enable-source-maps'], loader)).toEqual(['--enable-source-maps', '--import', loader]);
    expect(withTsx(['--import=tsx', '--import', loader, '--import', 'other'], loader)).toEqual(['--import', 'other', '--import', loader]);
    expect(withTsx([])).toEqual(['--import', expect.stringMatching(/^file:.*tsx.*loader\.mjs$/)]);
  });
});
