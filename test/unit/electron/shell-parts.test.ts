/** The Electron shell's small parts, without Electron: app:// serving, secrets, children, window state. */
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSP, serveAppRequest } from '../../../src-main/electron/app-protocol.js';
import { safeStorageCipher } from '../../../src-main/electron/safe-storage-cipher.js';
import { utilityProcessSpawner, type UtilityProcessLike } from '../../../src-main/electron/utility-spawner.js';
import { readWindowState, writeWindowState } from '../../../src-main/electron/window-state.js';

describe('app:// protocol', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-renderer-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  writeFileSync(join(dir, 'assets', 'a.js'), 'x');
  writeFileSync(join(tmpdir(), 'celeriac-secret.txt'), 'secret');

  it('serves the renderer with the CSP header and no inline scripts allowed', async () => {
    const res = await serveAppRequest(dir, 'app://celeriac/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(CSP).toMatch(/script-src 'self';/);
    expect(CSP).not.toContain('unsafe-inline');
    expect((await serveAppRequest(dir, 'app://celeriac/assets/a.js')).headers.get('content-type')).toMatch(/javascript/);
  });

  it('never leaves the renderer folder, nor answers another host', async () => {
    for (const url of ['app://celeriac/%2e%2e/celeriac-secret.txt', 'app://celeriac/..%2fceleriac-secret.txt', 'app://celeriac/assets/..%2f..%2fceleriac-secret.txt']) {
      const res = await serveAppRequest(dir, url);
      expect([403, 404], url).toContain(res.status);
      expect(await res.text()).not.toBe('secret');
    }
    expect((await serveAppRequest(dir, 'app://celeriac/..%2fceleriac-secret.txt')).status).toBe(403);
    expect((await serveAppRequest(dir, 'app://other/index.html')).status).toBe(404);
    expect((await serveAppRequest(dir, 'app://celeriac/missing.js')).status).toBe(404);
  });
});

describe('safeStorage cipher', () => {
  const fake = (available: boolean, backend = 'gnome_libsecret') => ({
    isEncryptionAvailable: () => available,
    encryptString: (s: string) => Buffer.from(`enc:${s}`),
    decryptString: (b: Buffer) => b.toString().slice(4),
    getSelectedStorageBackend: () => backend,
  });

  it('seals with the keychain where there is one', () => {
    const cipher = safeStorageCipher(fake(true), 'linux')!;
    const sealed = cipher.seal('pw');
    expect(sealed).not.toContain('pw');
    expect(cipher.open(sealed)).toBe('pw');
  });

  it('declines where safeStorage would only pretend (no keychain, or Linux basic_text)', () => {
    expect(safeStorageCipher(fake(false), 'darwin')).toBeNull();
    expect(safeStorageCipher(fake(true, 'basic_text'), 'linux')).toBeNull();
  });
});

describe('utilityProcess spawner', () => {
  class FakeUtility extends EventEmitter implements UtilityProcessLike {
    readonly pid = 1234;
    posted: unknown[] = [];
    postMessage(m: unknown): void {
      this.posted.push(m);
    }
    kill(): boolean {
      this.emit('exit', 9);
      return true;
    }
  }

  it('maps messages both ways and reports the end once', () => {
    let forked: { path: string; args: string[]; execArgv?: string[] } | null = null;
    const child = new FakeUtility();
    const spawner = utilityProcessSpawner((path, args, o) => {
      forked = { path, args, execArgv: o.execArgv };
      return child;
    });
    const handle = spawner.spawn('/x/child.js', ['1', '/tasks.ts']);
    expect(forked).toEqual({ path: '/x/child.js', args: ['1', '/tasks.ts'], execArgv: ['--import', 'tsx'] });
    const got: unknown[] = [];
    handle.onMessage((m) => got.push(m));
    child.emit('message', { type: 'ready', tasks: [] });
    expect(got).toEqual([{ type: 'ready', tasks: [] }]);
    handle.send({ type: 'shutdown' });
    expect(child.posted).toEqual([{ type: 'shutdown' }]);
    const ends: string[] = [];
    handle.onExit((d) => ends.push(d));
    handle.kill();
    child.emit('exit', 0);
    handle.onExit((d) => ends.push(`late: ${d}`));
    expect(ends).toEqual(['exited with code 9', 'late: exited with code 9']);
    handle.send({ type: 'shutdown' }); // after the end: dropped, not thrown
    expect(child.posted).toHaveLength(1);
  });
});

describe('window state', () => {
  it('comes back as saved, and falls back on a bad file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'celeriac-win-')), 'w.json');
    expect(readWindowState(file)).toEqual({ width: 1280, height: 820, maximized: false });
    writeWindowState(file, { x: 10, y: 20, width: 900, height: 700, maximized: true });
    expect(readWindowState(file)).toEqual({ x: 10, y: 20, width: 900, height: 700, maximized: true });
    writeFileSync(file, '{"width": 5}');
    expect(readWindowState(file).width).toBe(1280);
  });
});
