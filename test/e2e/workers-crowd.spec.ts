/**
 * The Workers view with 200 simulated workers beating every 2 s (half Python-shaped, half
 * Celeriac-shaped), in Chromium through `celeriac serve`: every one is listed, each with its
 * pool and queues once the room's inspect rounds have reached it, and the page still answers
 * clicks while the list is polled and redrawn.
 */
import type { ChildProcess } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { WorkerSim } from '../helpers/worker-sim.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';

const CROWD = 200;
let redis: RedisServer;
let serve: ChildProcess;
let url: string;
let sim: WorkerSim;

test.beforeAll(async () => {
  redis = await startRedisServer();
  sim = new WorkerSim({ url: redis.url, count: CROWD });
  ({ process: serve, url } = await startServe(['-b', redis.url, '--no-pool']));
  await sim.start();
});

test.afterAll(async () => {
  sim?.stop();
  await stopServe(serve);
  await redis?.stop();
});

test('the Workers page lists 200 workers with their pool and queues, and stays responsive', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(`${url}#/workers`);
  const rows = page.locator('table[aria-label="workers"] tbody tr');
  await expect(rows).toHaveCount(CROWD, { timeout: 60_000 });
  // Pool (4th column) and queues (6th) filled in for every row once inspect has asked them all.
  await expect(page.locator('table[aria-label="workers"] tbody td:nth-child(4):empty')).toHaveCount(0, { timeout: 60_000 });
  await expect(page.locator('table[aria-label="workers"] tbody td:nth-child(6):empty')).toHaveCount(0);
  const python = sim.workers[0]!;
  const row = page.locator(`tr[data-worker="${python.name}"]`);
  await expect(row).toContainText('py-celery 5.2.6');
  await expect(row).toContainText(python.pool);
  await expect(row).toContainText(python.queues.join(', '));
  // Responsive while 200 rows are redrawn every 2 s: away and back, a few times.
  for (let i = 0; i < 3; i++) {
    await page.getByRole('link', { name: 'Overview' }).click();
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
    await page.getByRole('link', { name: 'Workers' }).click();
    await expect(rows).toHaveCount(CROWD);
  }
  await row.getByRole('link', { name: python.name }).click();
  await expect(page).toHaveURL(new RegExp(`#/workers/${encodeURIComponent(python.name)}`));
});
