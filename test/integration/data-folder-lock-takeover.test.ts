/**
 * Taking over a data folder whose lock file was left behind: a pid reused after a crash or a
 * reboot does not keep the folder locked for good (the file keeps when its process started),
 * and of two starters that both find the stale file, exactly one takes the folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DataFolderInUseError, DataFolderLock, LOCK_FILE } from '../../src-main/service/room/data-folder-lock.js';
import { processStart } from '../../src-main/service/room/process-start.js';

const LOCK_MODULE = fileURLToPath(new URL('../../src-main/service/room/data-folder-lock.ts', import.meta.url));

/** A pid that ran and is gone. */
function deadPid(): number {
  const run = spawnSync(process.execPath, ['-e', '0']);
  return run.pid!;
}

describe.runIf(process.platform === 'linux')('a lock file whose pid runs another process now', () => {
  it('is taken over when the process under its pid started at another time', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-lock-reused-'));
    const lockFile = join(dataDir, LOCK_FILE);
    // The parent of this test runner lives, but it is not the process that wrote the file.
    const live = processStart(process.ppid);
    expect(live).toMatch(/^[\w-]+\/\d+$/);
    writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 'before the reboot', processStart: `${live}1` }));
    const lock = DataFolderLock.acquire(dataDir);
    const taken = JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number; processStart?: string };
    expect(taken.pid).toBe(process.pid);
    expect(taken.processStart).toBe(processStart(process.pid));
    lock.release();
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('is refused while the process that wrote it runs (same pid, same start), and when the file does not say its start', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-lock-reused-'));
    const lockFile = join(dataDir, LOCK_FILE);
    writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 'now', processStart: processStart(process.ppid) }));
    expect(() => DataFolderLock.acquire(dataDir)).toThrow(DataFolderInUseError);
    writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 'now' }));
    expect(() => DataFolderLock.acquire(dataDir)).toThrow(DataFolderInUseError);
  });

  it('names this process with another start: a file from an earlier process given this pid is taken over', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-lock-reused-'));
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'earlier', processStart: 'another-boot/5' }));
    const lock = DataFolderLock.acquire(dataDir);
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).processStart).toBe(processStart(process.pid));
    lock.release();
  });
});

/**
 * Two processes, each taking over the same stale lock files at the same instants (one folder
 * per round, started together by the clock): each prints, per folder, whether it took it. Each
 * keeps what it took until both are done, so the other sees a live holder.
 */
function contender(dirs: string[], at: number, stepMs: number): Promise<string[]> {
  const script = `
    const { DataFolderLock } = await import(${JSON.stringify(LOCK_MODULE)});
    const dirs = ${JSON.stringify(dirs)};
    const results = [];
    const spinUntil = (t) => { while (Date.now() < t); };
    for (let i = 0; i < dirs.length; i++) {
      spinUntil(${at} + i * ${stepMs});
      try {
        DataFolderLock.acquire(dirs[i]);
        results.push('took');
      } catch (err) {
        results.push(err.code === 'E_DATA_FOLDER_IN_USE' ? 'refused' : 'error: ' + err.message);
      }
    }
    spinUntil(${at} + dirs.length * ${stepMs} + 1000);
    process.stdout.write(JSON.stringify(results));
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`contender exited ${code}: ${err}`)))),
  );
}

describe('two starters taking over one stale lock file at once', () => {
  it('leaves the folder to exactly one of them, every time', async () => {
    const base = mkdtempSync(join(tmpdir(), 'celeriac-lock-race-'));
    const gone = deadPid();
    const dirs = Array.from({ length: 40 }, (_, i) => {
      const dir = join(base, `d${i}`);
      mkdirSync(dir);
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, host: hostname(), startedAt: 'before it crashed' }));
      return dir;
    });
    const at = Date.now() + 4000; // both have loaded by then
    const [a, b] = await Promise.all([contender(dirs, at, 25), contender(dirs, at, 25)]);
    const both = dirs.filter((_, i) => a[i] === 'took' && b[i] === 'took').length;
    const neither = dirs.filter((_, i) => a[i] !== 'took' && b[i] !== 'took');
    expect({ both, neither }).toEqual({ both: 0, neither: [] });
    for (const dir of dirs) expect(readdirSync(dir), dir).toEqual([LOCK_FILE]);
  }, 30_000);
});
