import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Debian's python3, which sees python3-celery (a pyenv python3 earlier on PATH does not). */
export const PYTHON = '/usr/bin/python3';
/** Folder of the Python Celery app the interop tests drive. */
export const PY_DIR = fileURLToPath(new URL('../interop/py/', import.meta.url));

/**
 * Whether interop tests can run. In CI they must: a missing python3-celery there is a failure,
 * not a skip. Elsewhere they are skipped with the reason printed.
 */
/**
 * Why the interop tests cannot run here: which interpreter was asked, its import error, and the
 * install command (a skip's reason a reader can check); null when python3-celery is there.
 * @throws Error with CI set: interop tests must run there, never skip
 */
export function pythonCeleryMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import celery, redis'], { encoding: 'utf8' });
  if (r.status === 0) return null;
  const why = `python3-celery is not importable by ${PYTHON} (${(r.stderr || r.error?.message || '').trim().split('\n').pop()}); install it with: apt-get install -y python3-celery python3-redis (required in CI, where this fails instead of skipping)`;
  if (process.env.CI) throw new Error(`interop tests must run in CI: ${why}`);
  return why;
}

export function pythonCeleryAvailable(): boolean {
  const why = pythonCeleryMissing();
  if (why !== null) console.warn(`[interop] skipped: ${why}`);
  return why === null;
}

/** Runs a Python script from test/interop/py and returns its stdout. */
export function runPython(script: string, args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, [script, ...args], { cwd: PY_DIR, env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${script} exited with ${code}:\n${err}${out}`));
    });
  });
}

export interface PythonWorker {
  process: ChildProcess;
  /** Everything it logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts a real Python Celery worker (solo pool, one task at a time) on the given queues and
 * waits until it is ready to consume.
 */
export async function startPythonWorker(brokerUrl: string, queues: string[], name = 'py', options: { heartbeat?: boolean; env?: Record<string, string>; app?: string; prefork?: boolean; prefix?: string[] } = {}): Promise<PythonWorker> {
  // Without -E always (task events only once a monitor casts enable_events); heartbeats on ask;
  // prefork (one child) where a task must run in a pool process (a revoke's terminate stops it).
  const pool = options.prefork ? ['-P', 'prefork', '-c', '1'] : ['-P', 'solo'];
  const args = ['-m', 'celery', '-A', options.app ?? 'pyapp', 'worker', ...pool, '-Q', queues.join(','), '-n', `${name}@%h`,
    '-l', 'info', '--without-gossip', '--without-mingle', ...(options.heartbeat ? [] : ['--without-heartbeat'])];
  // A prefix runs it through another command (`ip netns exec <ns>`: on a host of its own).
  const [command, ...rest] = [...(options.prefix ?? []), PYTHON, ...args];
  const proc = spawn(command!, rest, { cwd: PY_DIR, env: { ...process.env, ...options.env, CELERIAC_TEST_BROKER: brokerUrl } });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Python worker did not become ready:\n${log}`)), 30_000);
    const onData = (d: Buffer): void => {
      log += d.toString();
      if (log.includes(' ready.')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Python worker exited with ${code}:\n${log}`));
    });
  });
  proc.removeAllListeners('exit');
  return {
    process: proc,
    log: () => log,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
