/**
 * The control room as a reverse proxy serves it: `celeriac serve --url-prefix /celeriac
 * --basic-auth u:p` in Chromium (the page, its assets and its WebSocket under the prefix,
 * behind HTTP Basic), and the printed URL still good after a restart on the same data folder.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker.js';

let redis: RedisServer;
let worker: WorkerProcess;
let serve: ChildProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-e2e-prefix-'));
let port: number;

/** A port free now: the restarted serve must print the same URL, port included. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address() as { port: number };
      srv.close(() => resolve(p));
    });
  });
}

async function startRoom(): Promise<string> {
  const started = await startServe(['-b', redis.url, '--no-pool', '--port', String(port), '--data-dir', dataDir, '--url-prefix', '/celeriac', '--basic-auth', 'u:p']);
  serve = started.process;
  return started.url;
}

test.use({ httpCredentials: { username: 'u', password: 'p' } });

test.beforeAll(async () => {
  redis = await startRedisServer();
  worker = await startWorkerProcess(redis.url);
  port = await freePort();
});

test.afterAll(async () => {
  await stopServe(serve);
  worker?.process.kill('SIGTERM');
  await worker?.exited;
  await redis?.stop();
});

async function sendAdd(page: Page, url: string, args: string): Promise<void> {
  await page.goto(`${url}#/submit`);
  await page.getByLabel('Task name').fill('tasks.add');
  await page.getByLabel('Positional arguments (JSON list)').fill(args);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('detail-state')).toHaveText('SUCCESS', { timeout: 20_000 });
}

test('under --url-prefix with --basic-auth: the page, a task sent and its result; the first URL still works after a restart', async ({ page }) => {
  const url = await startRoom();
  expect(new URL(url).pathname).toBe('/celeriac/');
  // Without the credentials nothing is served, not even the page.
  const bare = await fetch(url);
  expect(bare.status).toBe(401);
  expect(bare.headers.get('www-authenticate')).toMatch(/^Basic /);

  // Through the prefix: the assets load, the WebSocket connects, a call goes and its answer shows.
  await sendAdd(page, url, '[40, 2]');
  await expect(page.getByTestId('detail-result')).toHaveText('42');
  await expect(page.getByTestId('connection')).toHaveText('connected');
  expect(new URL(page.url()).pathname).toBe('/celeriac/');
  await page.goto(`${url}#/tasks`);
  await expect(page.locator('.list-row[data-state="SUCCESS"]').first()).toBeVisible({ timeout: 15_000 });

  // Restarted on the same data folder: the URL printed the first time (token included) opens it.
  await stopServe(serve);
  const again = await startRoom();
  expect(again).toBe(url);
  await page.goto(`${url}#/tasks`);
  await page.reload(); // a fresh load of the first URL, not the page left open
  await expect(page.getByTestId('connection')).toHaveText('connected', { timeout: 15_000 });
  await expect(page.locator('.list-row[data-state="SUCCESS"]').first()).toBeVisible({ timeout: 15_000 });
  await sendAdd(page, url, '[1, 2]');
  await expect(page.getByTestId('detail-result')).toHaveText('3');
});
