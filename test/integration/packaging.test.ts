/**
 * The packaging smoke test: electron-builder makes an unpacked Linux app from this config
 * against a stand-in Electron (the real one downloads from GitHub, out of reach here), and the
 * result holds what the app runs and nothing it does not. The stand-in carries Electron's fuse
 * wire, so the fuse settings are proven too. Needs `npm run build` first (npm test does it).
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { listPackage, extractFile } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's fuse order: runAsNode, cookieEncryption, nodeOptions, inspect, asarIntegrity, onlyAsar, v8Snapshot, fileProtocol. */
const STOCK_FUSES = '10110001';

let out: string;
let standIn: string;
let files: string[];

beforeAll(async () => {
  standIn = mkdtempSync(join(tmpdir(), 'celeriac-electron-dist-'));
  const exe = join(standIn, 'electron');
  writeFileSync(exe, `#!/bin/sh\n# stand-in Electron ${SENTINEL}\x01\x08${STOCK_FUSES}\necho stand-in\n`, 'latin1');
  chmodSync(exe, 0o755);
  out = mkdtempSync(join(tmpdir(), 'celeriac-release-'));
  mkdirSync(out, { recursive: true });
  // -c.npmRebuild=false: rebuilding better-sqlite3 for Electron's ABI fetches Electron's headers,
  // which cannot be had here; `npm run dist` does it (npmRebuild: true in electron-builder.yml).
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/electron-builder/cli.js'), '--linux', '--dir', `-c.electronDist=${standIn}`, `-c.directories.output=${out}`, '-c.npmRebuild=false'], {
    cwd: ROOT,
    env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
    maxBuffer: 16 << 20,
  });
  files = listPackage(join(out, 'linux-unpacked/resources/app.asar'), { isPack: false }).map((f) => f.replaceAll('\\', '/'));
}, 240_000);
afterAll(() => {
  for (const dir of [out, standIn]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('electron-builder --linux --dir', () => {
  it('packs the built main, preload and renderer, started from the Electron main', () => {
    for (const f of ['/dist/src-main/electron/main.js', '/dist/src-main/electron/preload.cjs', '/dist/src-main/core/worker/pool/child.js', '/dist/src-main/tasks/index.js', '/dist/renderer/index.html']) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.startsWith('/dist/src-main/core/broker/lua/') && f.endsWith('.lua'))).toBe(true);
    const pkg = JSON.parse(extractFile(join(out, 'linux-unpacked/resources/app.asar'), 'package.json').toString()) as { main: string };
    expect(pkg.main).toBe('dist/src-main/electron/main.js');
    expect(existsSync(join(out, 'linux-unpacked/celeriac'))).toBe(true);
  });

  it('holds production dependencies only: no devDependency, no sources, tests or maps', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies)) expect(files, dep).toContain(`/node_modules/${dep}`);
    for (const dev of Object.keys(pkg.devDependencies)) expect(files.filter((f) => f.startsWith(`/node_modules/${dev}/`)), dev).toEqual([]);
    expect(files.filter((f) => /^\/(src-main|src-renderer|test|bench)\//.test(f) || f.endsWith('.map'))).toEqual([]);
  });

  it('leaves sharp and better-sqlite3 unpacked (native code cannot load from inside app.asar)', () => {
    expect(existsSync(join(out, 'linux-unpacked/resources/app.asar.unpacked/node_modules/sharp/package.json'))).toBe(true);
    expect(existsSync(join(out, 'linux-unpacked/resources/app.asar.unpacked/node_modules/better-sqlite3/package.json'))).toBe(true);
  });

  it('rebuilds native modules for Electron when it packages for real', () => {
    expect(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')).toMatch(/^npmRebuild: true$/m);
  });

  it('flips the fuses: no NODE_OPTIONS, no --inspect, app only from app.asar; runAsNode kept for the pool children', () => {
    const exe = readFileSync(join(out, 'linux-unpacked/celeriac'), 'latin1');
    const wire = exe.slice(exe.indexOf(SENTINEL) + SENTINEL.length + 2, exe.indexOf(SENTINEL) + SENTINEL.length + 10);
    expect(wire.slice(0, 6)).toBe('110011');
  });
});
