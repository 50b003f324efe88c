/** `celeriac serve` as its own process, as users run it, for the browser tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './cli.js';

/** `celeriac serve` with a fresh data folder; resolves with its URL once it listens. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ process: ChildProcess; url: string; dataDir: string; output: () => string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-serve-'));
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  let out = '';
  const started = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Celeriac control room: (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return { process: proc, url: started, dataDir, output: () => out };
}

export async function stopServe(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

