import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built `celeriac` bin (npm test builds before it runs the tests). */
export const CLI = fileURLToPath(new URL('../../bin/celeriac.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `celeriac <args>` without a terminal on stdin, as CI does. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 20_000): Promise<CliRun> {
  return new Promise((resolve) => {
    const fullEnv: Record<string, string | undefined> = { ...process.env, CELERIAC_BROKER_URL: undefined, CELERY_BROKER_URL: undefined, ...env };
    for (const k of Object.keys(fullEnv)) if (fullEnv[k] === undefined) delete fullEnv[k];
    const p = spawn(process.execPath, [CLI, ...args], { env: fullEnv as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
