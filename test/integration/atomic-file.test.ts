/**
 * The room's small files written through a temporary file and a rename: a process killed in
 * the middle of a write (here: SIGKILL after half the bytes reached the disk) leaves the old
 * file whole and readable.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src-main/service/room/atomic-file.js';
import { SettingsFile } from '../../src-main/service/room/settings.js';
import { ProfileStore } from '../../src-main/service/connections/profile-store.js';
import { plainCipher } from '../../src-main/service/connections/secret-cipher.js';

const module = (path: string): string => fileURLToPath(new URL(`../../src-main/${path}`, import.meta.url));
const HOST = { desktop: false, openFolders: false, saveFiles: false };

/**
 * Runs `script` in a fresh Node whose fs.writeSync writes half of what it is given and then
 * kills the process: a crash in the middle of a write.
 */
function crashMidWrite(script: string): NodeJS.Signals | null {
  const preamble = `
    import fs from 'node:fs';
    import { syncBuiltinESMExports } from 'node:module';
    const real = fs.writeSync;
    fs.writeSync = (fd, buf, off = 0, len = buf.length - off, ...rest) => {
      real(fd, buf, off, Math.max(1, Math.floor(len / 2)), ...rest);
      process.kill(process.pid, 'SIGKILL');
    };
    syncBuiltinESMExports();
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', preamble + script], { encoding: 'utf8' });
  return run.signal;
}

describe('writing a file through a temporary file and a rename', () => {
  it('writes the whole text with mode 0600 and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-atomic-'));
    const file = join(dir, 'sub', 'token');
    writeFileAtomic(file, 'first');
    writeFileAtomic(file, 'second');
    expect(readFileSync(file, 'utf8')).toBe('second');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['token']);
  });

  it('leaves settings.json as it was when the writer is killed mid-write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-atomic-'));
    const file = join(dir, 'settings.json');
    new SettingsFile(file, HOST).set({ notifications: false, beat: false });
    const before = readFileSync(file, 'utf8');
    const signal = crashMidWrite(`
      const { SettingsFile } = await import(${JSON.stringify(module('service/room/settings.ts'))});
      new SettingsFile(${JSON.stringify(file)}, ${JSON.stringify(HOST)}).set({ notifications: true, beat: true });
    `);
    expect(signal).toBe('SIGKILL');
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(new SettingsFile(file, HOST).get()).toMatchObject({ notifications: false, beat: false });
    // The half-written temporary file is what the crash left, beside the intact target.
    const leftovers = readdirSync(dir).filter((n) => n.endsWith('.tmp'));
    expect(leftovers).toHaveLength(1);
    expect(readFileSync(join(dir, leftovers[0]!), 'utf8').length).toBeLessThan(before.length + 10);
    // The next write goes through.
    new SettingsFile(file, HOST).set({ beat: true });
    expect(new SettingsFile(file, HOST).get()).toMatchObject({ notifications: false, beat: true });
  });

  it('leaves profiles.json as it was when the writer is killed mid-write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-atomic-'));
    const file = join(dir, 'profiles.json');
    new ProfileStore(file, plainCipher).save({ name: 'prod', url: 'redis://prod:6379/0', color: 'blue', hostPool: false }, { password: 'kept' });
    const before = readFileSync(file, 'utf8');
    const signal = crashMidWrite(`
      const { ProfileStore } = await import(${JSON.stringify(module('service/connections/profile-store.ts'))});
      const { plainCipher } = await import(${JSON.stringify(module('service/connections/secret-cipher.ts'))});
      new ProfileStore(${JSON.stringify(file)}, plainCipher).save({ name: 'second', url: 'redis://other:6379/0', color: 'blue', hostPool: false }, {});
    `);
    expect(signal).toBe('SIGKILL');
    expect(readFileSync(file, 'utf8')).toBe(before);
    const store = new ProfileStore(file, plainCipher);
    expect(store.list().map((p) => p.name)).toEqual(['prod']);
    expect(store.secrets(store.list()[0]!.id)).toEqual({ password: 'kept' });
  });

  it('leaves the target as it was when the write itself fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-atomic-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'old');
    // A folder where the temporary file would go: the open fails, as a full disk's write would.
    mkdirSync(`${file}.${process.pid}.tmp`);
    expect(() => writeFileAtomic(file, 'new')).toThrow(/EISDIR/);
    expect(readFileSync(file, 'utf8')).toBe('old');
  });
});
