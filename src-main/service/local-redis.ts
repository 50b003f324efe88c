import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { CeleriacError } from '../core/errors.js';

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
}

/**
 * The control room's private Redis: loopback only, a free port, a fresh password each start,
 * append-only persistence in the app's data folder — so a restart finds every queued task and
 * result. Stopped (with a final write) when the app quits.
 */
export class LocalRedis {
  private proc: ChildProcess | null = null;
  /** The URL to connect to, once started. */
  url: string | null = null;

  constructor(private readonly options: LocalRedisOptions) {}

  /** @throws RedisNotFoundError, or an error with redis-server's own words when it will not start */
  async start(): Promise<string> {
    const binary = findRedisServer(this.options.bundled, this.options.searchDirs);
    if (!binary) throw new RedisNotFoundError();
    mkdirSync(this.options.dataDir, { recursive: true, mode: 0o700 });
    const port = await freePort();
    const password = randomBytes(24).toString('hex');
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--requirepass', password,
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
    this.proc = proc;
    this.url = `redis://:${password}@127.0.0.1:${port}/0`;
    return this.url;
  }

  /** Stops it; SIGTERM makes redis-server write its append-only file before it exits. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    this.url = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
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
