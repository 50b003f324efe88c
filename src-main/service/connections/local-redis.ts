import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { CeleriacError } from '../../core/errors.js';
import { writeFileAtomic } from '../room/atomic-file.js';
import { pidAlive } from '../room/pid-alive.js';

/** Where a redis-server is looked for after the bundled one and PATH. */
const USUAL_PLACES = ['/usr/bin', '/usr/local/bin', '/usr/sbin', '/opt/homebrew/bin', '/opt/local/bin', '/snap/bin'];

/** The command that installs Redis here, for the "no Redis" message. */
export function installHint(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'brew install redis';
  if (platform === 'win32') return 'install Memurai (a Redis for Windows) or run Redis in WSL: wsl sudo apt-get install -y redis-server';
  return 'sudo apt-get install -y redis-server   (Fedora: sudo dnf install redis; Arch: sudo pacman -S redis)';
}

export class RedisNotFoundError extends CeleriacError {
  constructor() {
    super(`no redis-server was found (bundled, on PATH, or in ${USUAL_PLACES.join(', ')}). Install it: ${installHint()} — or connect to a remote Redis instead.`, 'E_REDIS_NOT_FOUND');
  }
}

/**
 * The redis-server to run: $CELERIAC_REDIS_SERVER when set (and only it), else the one
 * bundled with the app, else PATH, else the usual places.
 * @param dirs where to look after the bundled one @default PATH and the usual places
 */
export function findRedisServer(bundled?: string, dirs: string[] = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...USUAL_PLACES]): string | null {
  const exe = process.platform === 'win32' ? 'redis-server.exe' : 'redis-server';
  const forced = process.env.CELERIAC_REDIS_SERVER;
  if (forced) return existsSync(forced) ? forced : null;
  if (bundled && existsSync(bundled)) return bundled;
  for (const dir of dirs) {
    const candidate = join(dir, exe);
    if (existsSync(candidate) && spawnSync(candidate, ['--version']).status === 0) return candidate;
  }
  return null;
}

export interface LocalRedisOptions {
  /** Where the data lives (append-only file); created if missing. */
  dataDir: string;
  /** A redis-server to prefer (the one bundled in a packaged app). */
  bundled?: string;
  /** Where else to look. @default PATH and the usual install places */
  searchDirs?: string[];
  /** Told when the server dies under us and when it is back (or could not be restarted). */
  onEvent?: (event: LocalRedisEvent) => void;
  /** Where a start's notes go (a kept port that was taken). @default a line on stderr */
  log?: (line: string) => void;
}

export type LocalRedisEvent =
  | { kind: 'died'; message: string; retryInMs: number }
  | { kind: 'restarted'; message: string }
  | { kind: 'restart-failed'; message: string; retryInMs: number };

/** Who runs the Local Redis of a data folder: written beside its data, removed when it stops. */
interface OwnerFile {
  ownerPid: number;
  redisPid: number;
  port: number;
}

/** The port and password a Local Redis keeps across starts, so the URL workers were given stays good. */
interface KeptFile {
  port: number;
  password: string;
}

/** Waits before restarting a Local Redis that died: 0.5 s, doubling, at most 30 s. */
const RESTART_BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 16000, 30000];

export class LocalRedisInUseError extends CeleriacError {
  constructor(ownerPid: number, dataDir: string) {
    super(`another Celeriac control room (pid ${ownerPid}) runs the Local Redis of ${dataDir}; stop it first, or give this one another --data-dir`, 'E_LOCAL_REDIS_IN_USE');
  }
}

/**
 * The control room's private Redis: loopback only, a password, append-only persistence in the
 * app's data folder — so a restart finds every queued task and result. Its port and password
 * are kept in the data folder (`kept.json`, 0600) and used again at the next start, so the URL
 * a worker was started with keeps working; a kept port another program took meanwhile is
 * replaced by a free one, and the log says so. Stopped (with a final write) when the app quits.
 *
 * A pid file (`owner.json` in the data folder) says who runs it. A second control room on the
 * same folder refuses, naming the first, while that one lives; a redis-server left behind by
 * one that crashed is stopped (it writes its append-only file) before a new one starts on the
 * same files. One that dies under us is restarted, with backoff, on the same port and
 * password, so connections pick up again by themselves.
 */
export class LocalRedis {
  private proc: ChildProcess | null = null;
  /** The URL to connect to, once started. */
  url: string | null = null;
  private port = 0;
  private password = '';
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private restarts = 0;

  constructor(private readonly options: LocalRedisOptions) {}

  private get ownerFile(): string {
    return join(this.options.dataDir, 'owner.json');
  }

  private get keptFile(): string {
    return join(this.options.dataDir, 'kept.json');
  }

  /** @throws RedisNotFoundError, LocalRedisInUseError, or an error with redis-server's own words when it will not start */
  async start(): Promise<string> {
    const binary = findRedisServer(this.options.bundled, this.options.searchDirs);
    if (!binary) throw new RedisNotFoundError();
    mkdirSync(this.options.dataDir, { recursive: true, mode: 0o700 });
    await this.takeOver();
    this.stopping = false;
    const kept = readKept(this.keptFile);
    this.password = kept?.password ?? randomBytes(24).toString('hex');
    this.port = kept && (await portFree(kept.port)) ? kept.port : await freePort();
    try {
      await this.spawn(binary);
    } catch (err) {
      // Taken between the check and the start: once more, on a port free now.
      if (!/Address already in use/i.test((err as Error).message)) throw err;
      this.port = await freePort();
      await this.spawn(binary);
    }
    if (kept && kept.port !== this.port) {
      (this.options.log ?? logLine)(`[LocalRedis] port ${kept.port}, kept from the last start, is taken by another program; the Local Redis listens on ${this.port} now: workers started with the old URL need the new one`);
    }
    if (kept?.port !== this.port || kept.password !== this.password) writeFileAtomic(this.keptFile, JSON.stringify({ port: this.port, password: this.password } satisfies KeptFile));
    this.url = `redis://:${this.password}@127.0.0.1:${this.port}/0`;
    return this.url;
  }

  /** Refuses a folder whose owner lives; stops the redis-server a dead owner left running. */
  private async takeOver(): Promise<void> {
    let owner: OwnerFile;
    try {
      owner = JSON.parse(readFileSync(this.ownerFile, 'utf8')) as OwnerFile;
    } catch {
      return; // none, or unreadable: nobody we can name
    }
    if (owner.ownerPid !== process.pid && pidAlive(owner.ownerPid)) throw new LocalRedisInUseError(owner.ownerPid, this.options.dataDir);
    if (owner.redisPid && pidAlive(owner.redisPid) && isRedisServer(owner.redisPid)) {
      process.kill(owner.redisPid, 'SIGTERM');
      const until = Date.now() + 15_000;
      while (pidAlive(owner.redisPid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      if (pidAlive(owner.redisPid)) process.kill(owner.redisPid, 'SIGKILL');
    }
    rmSync(this.ownerFile, { force: true });
  }

  private async spawn(binary: string): Promise<void> {
    const args = [
      '--port', String(this.port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--requirepass', this.password,
      '--dir', this.options.dataDir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no',
    ];
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new CeleriacError(`redis-server did not start within 15 s:\n${out}`, 'E_LOCAL_REDIS')), 15_000);
      const onData = (d: Buffer): void => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new CeleriacError(`redis-server exited with ${code}:\n${out.trim().split('\n').slice(-3).join('\n')}`, 'E_LOCAL_REDIS'));
      });
    });
    proc.removeAllListeners('exit');
    proc.stdout!.removeAllListeners('data').resume();
    proc.stderr!.removeAllListeners('data').resume();
    this.proc = proc;
    writeFileAtomic(this.ownerFile, JSON.stringify({ ownerPid: process.pid, redisPid: proc.pid ?? 0, port: this.port } satisfies OwnerFile));
    proc.once('exit', (code, signal) => {
      if (this.stopping || this.proc !== proc) return;
      this.proc = null;
      this.scheduleRestart(binary, `the Local Redis stopped unexpectedly (${signal ? `killed by ${signal}` : `exit code ${code}`})`, 'died');
    });
  }

  private scheduleRestart(binary: string, why: string, kind: 'died' | 'restart-failed'): void {
    const wait = RESTART_BACKOFF_MS[Math.min(this.restarts, RESTART_BACKOFF_MS.length - 1)]!;
    this.restarts++;
    this.options.onEvent?.({ kind, message: `${why}; restarting it in ${(wait / 1000).toFixed(1)} s`, retryInMs: wait });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.spawn(binary).then(
        () => {
          this.restarts = 0;
          this.options.onEvent?.({ kind: 'restarted', message: 'the Local Redis was restarted; its data is as it was written' });
        },
        (err: unknown) => this.scheduleRestart(binary, `the Local Redis could not be restarted: ${(err as Error).message.split('\n')[0]}`, 'restart-failed'),
      );
    }, wait);
    this.restartTimer.unref();
  }

  /** Stops it; SIGTERM makes redis-server write its append-only file before it exits. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const proc = this.proc;
    this.proc = null;
    this.url = null;
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(this.ownerFile, { force: true });
  }
}

/** Whether a pid is a redis-server still (not a process that took the pid over); on Linux from /proc, elsewhere assumed. */
function isRedisServer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return process.platform !== 'linux';
  }
}

const logLine = (line: string): void => void process.stderr.write(`${line}\n`);

/** The kept port and password, or null when there are none (or they are not what a start wrote). */
function readKept(file: string): KeptFile | null {
  try {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Partial<KeptFile>;
    const portOk = Number.isInteger(kept.port) && kept.port! > 0 && kept.port! < 65536;
    return portOk && typeof kept.password === 'string' && /^[0-9a-f]{48}$/.test(kept.password) ? { port: kept.port!, password: kept.password } : null;
  } catch {
    return null;
  }
}

/** Whether nothing listens on 127.0.0.1:port now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
