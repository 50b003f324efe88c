/**
 * Redis going away with the page open, as a user lives it: the page says so within seconds,
 * keeps its last data, refuses a send at once (nothing is queued to fire later), and recovers
 * by itself when Redis is back, without a reload.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { createApp } from '../../src-main/core/app.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';

let redis: RedisServer;
let serve: ChildProcess;
let url: string;

test.beforeAll(async () => {
  redis = await startRedisServer();
  ({ process: serve, url } = await startServe(['-b', redis.url, '--no-pool']));
});

test.afterAll(async () => {
  await stopServe(serve);
  await redis?.stop();
});

test('Redis stopped with the page open: said within 5 s, Send refused, recovered without a reload', async ({ page }) => {
  await page.goto(`${url}#/queues`);
  await expect(page.locator('table[aria-label="queues"]')).toBeVisible({ timeout: 15_000 });
  await page.evaluate(() => ((globalThis as unknown as { marker: string }).marker = 'same page'));

  const port = redis.port;
  const dead = new Promise((r) => redis.process.once('exit', r));
  redis.process.kill('SIGKILL');
  await dead;
  await expect(page.getByTestId('outage')).toBeVisible({ timeout: 5000 });
  await expect(page.getByTestId('outage')).toContainText('Redis is unreachable');
  await expect(page.getByTestId('connection')).toHaveText('reconnecting…');
  // The last data stays on screen.
  await expect(page.locator('table[aria-label="queues"]')).toBeVisible();
  mkdirSync('test-results/screenshots', { recursive: true });
  await page.screenshot({ path: 'test-results/screenshots/outage.png' });

  await page.getByRole('link', { name: 'Send' }).click();
  await page.getByLabel('Task name').fill('tasks.add');
  await page.getByLabel('Positional arguments (JSON list)').fill('[1, 2]');
  const clicked = Date.now();
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('p.error[role="alert"]')).toContainText('Redis is unreachable', { timeout: 2000 });
  expect(Date.now() - clicked).toBeLessThan(2000);

  redis = await startRedisServer({ port });
  await expect(page.getByTestId('outage')).toBeHidden({ timeout: 15_000 });
  await expect(page.getByTestId('connection')).toHaveText('connected');
  await page.getByRole('link', { name: 'Queues' }).click();
  await expect(page.locator('table[aria-label="queues"]')).toBeVisible();
  expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe('same page');
  // The refused send was not held to fire now.
  const app = createApp({ broker: redis.url });
  await new Promise((r) => setTimeout(r, 1000));
  expect(await app.queueLength('celery')).toBe(0);
  await app.close();
});

test("a page whose token is out of date (the server restarted) says so, and how to get the new URL", async ({ page }) => {
  const stale = new URL(url);
  stale.searchParams.set('token', 'a-token-from-before-the-restart');
  await page.goto(stale.toString());
  await expect(page.getByTestId('stale-token')).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId('stale-token')).toContainText('Open the URL that celeriac serve printed last');
  await expect(page.getByTestId('connection')).toHaveText('token out of date');
});
