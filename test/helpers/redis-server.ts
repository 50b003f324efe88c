import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** A private redis-server started for one test file. */
export interface RedisServer {
  port: number;
  /** `redis://[:password@]127.0.0.1:<port>/0` */
  url: string;
  dir: string;
  process: ChildProcess;
  /** A plain connection for assertions, closed by stop(). */
  client(): Redis;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  password?: string;
  /** More redis-server arguments, e.g. ['--appendonly', 'yes']. */
  args?: string[];
  /** This port (a restart on the port a killed one had), else a free one. */
  port?: number;
  /** This data folder (a restart on the files of the one before), else a new temporary one. */
  dir?: string;
  /** Addresses it listens on besides 127.0.0.1 (other hosts reach it there; give it a password). */
  alsoBind?: string[];
}

/** A free TCP port on loopback (never 6379: the OS hands out ephemeral ports). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts redis-server on a free port with its data in a temporary folder, and waits until it
 * accepts connections.
 * @throws when redis-server is not installed (apt-get install -y redis-server)
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('redis-server is not installed: run `apt-get install -y redis-server` (the tests need a real Redis)');
  }
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'celeriac-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', ...(options.alsoBind ?? []), '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  if (options.password) args.push('--requirepass', options.password);
  args.push(...(options.args ?? []));
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}:\n${out}`)), 10_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${out}`));
    });
  });
  proc.removeAllListeners('exit');
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const url = `redis://${auth}127.0.0.1:${port}/0`;
  const clients: Redis[] = [];
  return {
    port,
    url,
    dir,
    process: proc,
    client() {
      const c = new Redis(url);
      c.on('error', () => undefined); // a test may stop this server under its own clients
      clients.push(c);
      return c;
    },
    async stop() {
      // QUIT waits for a connection that is retrying (its server was killed): cut those.
      await Promise.all(clients.map((c) => (c.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c.disconnect())));
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A queue name no other test uses. */
export function uniqueName(prefix = 'q'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
