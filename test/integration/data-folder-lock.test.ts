/**
 * Two `celeriac serve` on one data folder: the second refuses at start, naming the first (its
 * pid and URL); once the first died (its pid gone), the next one takes the folder over.
 * Spawns the built CLI: `npx tsc -p tsconfig.build.json` first.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFolderInUseError, DataFolderLock, LOCK_FILE } from '../../src-main/service/room/data-folder-lock.js';
import { CLI } from '../helpers/cli.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

/** A serve that should refuse: its exit code and what it printed. */
function refusedServe(dataDir: string, flags: string[] = []): Promise<{ code: number | null; stderr: string }> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '-b', redis.url, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdout!.resume();
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => proc.once('exit', (code) => (clearTimeout(timer), resolve({ code, stderr }))));
}

describe('one control room per data folder', () => {
  it('a second serve refuses, naming the first; a dead one is taken over', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-two-serves-'));
    const first = await startServe(['-b', redis.url, '--data-dir', dataDir]);
    try {
      const owner = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as { pid: number; url?: string };
      expect(owner.pid).toBe(first.process.pid);
      const servedAt = new URL(first.url);
      servedAt.search = '';
      expect(owner.url).toBe(servedAt.toString()); // its token is not written down

      const second = await refusedServe(dataDir);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`pid ${first.process.pid}`);
      expect(second.stderr).toContain(servedAt.toString());
      expect(second.stderr).toContain(dataDir);
      expect(first.process.exitCode).toBeNull(); // the first goes on
      // Refused before it touches anything of the first's: its token stays as it was.
      const token = readFileSync(join(dataDir, 'token'), 'utf8');
      expect((await refusedServe(dataDir, ['--rotate-token'])).code).toBe(1);
      expect(readFileSync(join(dataDir, 'token'), 'utf8')).toBe(token);

      // Killed outright: its lock stays behind, naming a pid that is gone.
      const exited = new Promise((r) => first.process.once('exit', r));
      first.process.kill('SIGKILL');
      await exited;
      const third = await startServe(['-b', redis.url, '--data-dir', dataDir]);
      try {
        expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).pid).toBe(third.process.pid);
      } finally {
        await stopServe(third.process);
      }
    } finally {
      if (first.process.exitCode === null && first.process.signalCode === null) await stopServe(first.process);
    }
  }, 60_000);

  it('is taken again by the same process (a room stopped and started), and refused to a live other', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-lock-'));
    const lock = DataFolderLock.acquire(dataDir);
    expect(() => DataFolderLock.acquire(dataDir).release()).not.toThrow();
    lock.release();
    // A live pid that is not this process: the parent of this test runner.
    const other = { pid: process.ppid, host: hostname(), startedAt: 'earlier', url: 'http://127.0.0.1:5555/' };
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify(other));
    expect(() => DataFolderLock.acquire(dataDir)).toThrow(DataFolderInUseError);
    expect(() => DataFolderLock.acquire(dataDir)).toThrow(/pid \d+ on .*serving http:\/\/127\.0\.0\.1:5555\//);
  });
});
