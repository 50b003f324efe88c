/**
 * The control room on a Python shop's Redis, in Chromium: a Python Celery worker (no -E) is
 * listed with its software, its page shows what inspect says of it, a control sent from there
 * gets the worker's own reply, and the Queues view names it as its queue's consumer.
 */
import type { ChildProcess } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { pythonCeleryAvailable, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';

let redis: RedisServer;
let serve: ChildProcess;
let url: string;
let py: PythonWorker | undefined;
let node = '';
const queue = uniqueName('shop');

test.beforeAll(async () => {
  if (!pythonCeleryAvailable()) return;
  redis = await startRedisServer();
  py = await startPythonWorker(redis.url, [queue], 'shop', { heartbeat: true });
  node = /shop@[^\s:]+/.exec(py.log())?.[0] ?? '';
  ({ process: serve, url } = await startServe(['-b', redis.url, '--no-pool']));
});

test.afterAll(async () => {
  await stopServe(serve);
  await py?.stop();
  await redis?.stop();
});

test('a Python worker: listed, its page, a control, its queue', async ({ page }) => {
  test.skip(!pythonCeleryAvailable(), 'python3-celery is not installed here (required in CI)');
  await page.goto(`${url}#/workers`);
  const row = page.locator(`tr[data-worker="${node}"]`);
  await expect(row).toContainText('py-celery 5.', { timeout: 20_000 });
  await expect(row).toContainText('online');
  await expect(row).toContainText(queue, { timeout: 15_000 });

  await row.getByRole('link', { name: node }).click();
  await expect(page.getByRole('list', { name: 'registered' })).toContainText('tasks.add');
  await expect(page.getByTestId('worker-queues')).toHaveText(queue);
  const extra = uniqueName('extra');
  await page.getByLabel('queue').fill(extra);
  await page.getByRole('button', { name: 'Consume this queue' }).click();
  await expect(page.getByTestId('control-reply')).toHaveText(`add_consumer: add consumer ${extra}`);
  await expect(page.getByTestId('worker-queues')).toContainText(extra, { timeout: 10_000 });
  await page.getByRole('button', { name: 'Stop consuming it' }).click();
  await expect(page.getByTestId('control-reply')).toHaveText(`cancel_consumer: no longer consuming from ${extra}`);
  await page.getByRole('button', { name: 'Grow pool' }).click();
  await expect(page.getByTestId('control-reply')).toHaveText(/pool_grow: /);
  await page.screenshot({ path: 'test-results/screenshots/worker-detail.png', fullPage: true });

  await page.getByRole('link', { name: 'Queues' }).click();
  await expect(page.getByTestId(`consumers-${queue}`)).toHaveText(node, { timeout: 15_000 });
});
