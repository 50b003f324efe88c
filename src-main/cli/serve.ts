import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { createApp, resolveBrokerUrl } from '../core/app.js';
import { connectOrExplain } from '../core/broker/connection.js';
import { startServer } from '../server/http-server.js';
import { ControlRoomService } from '../service/service.js';
import { numberIn } from './options.js';
import { LocalRedis } from '../service/local-redis.js';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The app's data folder: $XDG_DATA_HOME/celeriac, ~/Library/Application Support/celeriac, %APPDATA%\\celeriac. */
function defaultDataDir(): string {
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'celeriac');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? homedir(), 'celeriac');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'celeriac');
}

interface ServeFlags {
  broker?: string;
  local?: boolean;
  dataDir: string;
  app: string[];
  pool: boolean;
  concurrency: number;
  host: string;
  port: number;
  token: boolean;
}

/** `celeriac serve`: the control room in a browser, over the same contract as the desktop app. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the control room on http://127.0.0.1:5555 (a token in the printed URL)')
    .option('-b, --broker <url>', 'Redis to show (else $CELERIAC_BROKER_URL, $CELERY_BROKER_URL, redis://127.0.0.1:6379/0)')
    .option('-A, --app <module>', 'also load this task module in the hosted worker pool (repeatable)', (v: string, prev: string[]) => [...prev, v], [])
    .option('-c, --concurrency <n>', 'child processes of the hosted pool', numberIn(1, 64, true), 2)
    .option('--no-pool', 'host no worker pool (the built-in tasks then run only where a worker loads them)')
    .option('--local', 'start a private redis-server (loopback, password, append-only data in --data-dir) and show it')
    .option('--data-dir <dir>', 'where --local keeps its data', defaultDataDir())
    .option('--host <host>', 'address to listen on; anything but loopback exposes the control room', '127.0.0.1')
    .option('--port <n>', 'port to listen on', numberIn(0, 65535, true), 5555)
    .option('--no-token', 'accept connections without the token (only behind your own authentication)')
    .action(async (flags: ServeFlags) => {
      const local = flags.local ? new LocalRedis({ dataDir: join(flags.dataDir, 'redis') }) : null;
      const broker = local ? await local.start() : resolveBrokerUrl(flags.broker);
      if (local) process.stdout.write(`Local Redis started; its data is in ${join(flags.dataDir, 'redis')}\n`);
      const app = createApp({ broker, taskRecords: true });
      await connectOrExplain(app.broker, broker);
      const service = new ControlRoomService(app);
      await service.start();
      // The control room hosts a worker pool: the built-in tasks, plus any -A modules.
      if (flags.pool) await service.pool.start(flags.app, flags.concurrency);
      // The renderer is built next to the compiled CLI (dist/renderer).
      const staticDir = fileURLToPath(new URL('../../renderer/', import.meta.url));
      const server = await startServer({ service, host: flags.host, port: flags.port, token: flags.token ? undefined : null, staticDir });
      process.stdout.write(`Celeriac control room: ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await service.stop();
      await app.close();
      await local?.stop();
    });
}
