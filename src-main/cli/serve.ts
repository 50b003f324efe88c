import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveBrokerUrl } from '../core/app.js';
import { startServer } from '../server/http-server.js';
import { pruneUploads } from '../server/uploads.js';
import { normalizeUrlPrefix, parseBasicAuth } from '../server/access.js';
import { keptToken, TOKEN_FILE } from '../server/token-file.js';
import { ControlRoom } from '../service/room/control-room.js';
import { LOCAL_PROFILE_ID } from '../service/connections/profile.js';
import { numberIn } from './options.js';

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
  /** undefined: the default (Local hosts a pool; any other Redis does not). */
  pool?: boolean;
  beat?: boolean;
  queues?: string;
  concurrency: number;
  host: string;
  port: number;
  token: boolean;
  rotateToken?: boolean;
  basicAuth?: string[];
  urlPrefix?: string;
  readOnly?: boolean;
}

/** `celeriac serve`: the control room in a browser, over the same contract as the desktop app. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the control room on http://127.0.0.1:5555 (a token in the printed URL, kept in <data-dir>/token across restarts)')
    .addHelpText('after', ACCESS_HELP)
    .option('-b, --broker <url>', 'Redis to show first (else $CELERIAC_BROKER_URL, $CELERY_BROKER_URL, else the private Local one)')
    .option('-A, --app <module>', 'also load this task module in the hosted worker pool (repeatable)', (v: string, prev: string[]) => [...prev, v], [])
    .option('-c, --concurrency <n>', 'child processes of the hosted pool', numberIn(1, 64, true), 2)
    .option('--pool', 'with --broker: host a worker pool there too, on a queue of its own (celeriac.room.<host>); it takes no other queue\'s task')
    .option('--no-pool', 'host no worker pool, not even on the Local Redis (the built-in tasks then run only where a worker loads them)')
    .option('-Q, --queues <list>', 'the queues the hosted pool consumes, comma-separated (default: celery on Local; celeriac.room.<host> elsewhere)')
    .option('--beat', 'with --broker: run a beat there (it leads, or stands by for another beat); off by default')
    .option('--local', 'start on the private Local redis-server even when $CELERIAC_BROKER_URL is set')
    .option('--data-dir <dir>', 'where connection profiles and the Local Redis data are kept', defaultDataDir())
    .option('--host <host>', 'address to listen on; anything but loopback exposes the control room', '127.0.0.1')
    .option('--port <n>', 'port to listen on', numberIn(0, 65535, true), 5555)
    .option('--no-token', 'accept connections without the token (only behind your own authentication); the Host header must then be a loopback name or --host')
    .option('--rotate-token', `make a new token (kept in <data-dir>/${TOKEN_FILE}); URLs and bookmarks with the old one stop working`)
    .option('--basic-auth <user:password>', 'ask for HTTP Basic credentials on every page, route and the WebSocket, as Flower does (repeatable, or a comma-separated list); the token is still asked unless --no-token', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--url-prefix <path>', 'serve everything under this path, e.g. /celeriac behind a reverse proxy that passes the path on as it is (Flower\'s --url_prefix)')
    .option('--read-only', 'refuse every action that changes anything (send, retry, revoke, purge, pool, connections): a screen to watch')
    .action(async (flags: ServeFlags) => {
      // Checked first: a typo here must not start a room that nobody can sign in to.
      const basicAuth = parseBasicAuth(flags.basicAuth ?? []);
      const urlPrefix = normalizeUrlPrefix(flags.urlPrefix);
      // --broker (or the environment) names a Redis; else the private Local one is the default.
      const given = flags.local ? undefined : flags.broker || process.env.CELERIAC_BROKER_URL || process.env.CELERY_BROKER_URL;
      // Files dropped in the browser are uploaded next to the data, where the hosted pool reads them.
      const uploadDir = resolve(flags.dataDir, 'uploads');
      const room = new ControlRoom({
        dataDir: flags.dataDir,
        stagingDir: uploadDir,
        // Watching takes nothing: another's Redis gets a pool or a beat only when asked for.
        initial: given ? { url: resolveBrokerUrl(given), hostPool: flags.pool === true, beat: flags.beat === true } : undefined,
        readOnly: flags.readOnly === true,
        // What a hosted pool loads: the built-in tasks, plus any -A modules.
        pool: flags.pool !== false ? { modules: flags.app, concurrency: flags.concurrency, queues: flags.queues?.split(',').map((q) => q.trim()).filter(Boolean) } : undefined,
      });
      // Kept in the data folder: the URL printed below stays valid across restarts. Read once the
      // room holds the folder, so a refused second serve --rotate-token rotates nobody's token.
      const token = flags.token ? keptToken(flags.dataDir, flags.rotateToken === true).token : null;
      const status = await room.start();
      if (status.state === 'connected' && status.profile?.id === LOCAL_PROFILE_ID) {
        // Workers on this machine need the whole URL, password included; it is kept across restarts (the port too, while it is free).
        process.stdout.write(`Local Redis: ${room.localUrl} (data in ${join(flags.dataDir, 'redis')}; workers here: celeriac worker -b <that URL>)\n`);
      } else if (status.state === 'connected') process.stdout.write(`Connected to ${status.profile?.name} (${status.url})\n`);
      else process.stderr.write(`Not connected: ${status.message}\nThe control room will offer other connections.\n`);
      if (status.state === 'connected') process.stdout.write(`${describeHosting(room.hosting(), flags.readOnly === true)}\n`);
      // Connected, but something to act on (the hosted pool's module did not load, say).
      if (status.state === 'connected' && status.message) process.stderr.write(`Note: ${status.message}\n`);
      // The renderer is built next to the compiled CLI (dist/renderer).
      const staticDir = fileURLToPath(new URL('../../renderer/', import.meta.url));
      await pruneUploads(uploadDir);
      const server = await startServer({ service: room, host: flags.host, port: flags.port, token, basicAuth, urlPrefix, staticDir, uploadDir, readOnly: flags.readOnly, metrics: () => room.metrics(), exportTasks: (q, format) => room.exportTasks(q, format) });
      // A second serve on this data folder names this URL (without the token) when it refuses.
      room.noteServedAt(server.url);
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        // The URL once the signals are handled: whoever waits for it may stop us at once.
        process.stdout.write(`Celeriac control room: ${server.url}\n`);
      });
      // A second signal, or 15 s of closing (a connection still retrying a Redis that is gone),
      // ends it at once: a stop request is never ignored.
      const now = (): never => process.exit(0);
      process.once('SIGINT', now);
      process.once('SIGTERM', now);
      setTimeout(now, 15_000).unref();
      await server.close();
      await room.stop();
      process.exit(0);
    });
}

/** What `serve` does to the Redis it shows, in one line: a shop's operator reads it first. */
function describeHosting(hosting: ReturnType<ControlRoom['hosting']>, readOnly: boolean): string {
  const pool = hosting.pool ? `a worker pool consuming ${hosting.pool.queues.join(', ')}` : 'no worker pool (it consumes no queue)';
  const beat = hosting.beat ? 'a beat' : 'no beat';
  const writes = readOnly ? '; read-only: it writes nothing to Redis but its broadcasts (enable_events, heartbeat, inspect) and their reply queue' : '';
  return `Hosting: ${pool}, ${beat}${writes}.`;
}

/** `serve --help`'s notes on who can open the control room. */
const ACCESS_HELP = `
Access:
  The printed URL carries a token, kept in <data-dir>/${TOKEN_FILE} (mode 0600) so the URL and
  bookmarks stay valid across restarts; --rotate-token makes a new one.
  --basic-auth user:password adds HTTP Basic on every path and on the WebSocket; the token is
  asked as well (open the printed URL and sign in), unless --no-token. A Prometheus scrape of
  /metrics then sends the credentials (basic_auth) and the token as ?token=.
  --url-prefix /celeriac serves every route under /celeriac/ (the page, /ws, /metrics, /export,
  /download, /upload, /auth): proxy /celeriac/ to the server without stripping the prefix.`;
