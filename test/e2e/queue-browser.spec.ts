/**
 * The queue browser in Chromium, through `celeriac serve` against a real Redis with no worker
 * consuming: a queue's messages at two priorities, listed by sub-list; one moved to another
 * queue through the confirm dialog is listed there and gone from the first; a selection
 * deleted after its confirm; a read-only room shows the actions off and says why, and what the
 * workers hold.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import type { App } from '../../src-main/core/app.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';

const SHOTS = 'test-results/screenshots';
let redis: RedisServer;
let serve: ChildProcess;
let url: string;
let app: App;

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  redis = await startRedisServer();
  // A remote connection hosts no pool: nothing takes the messages while the page shows them.
  ({ process: serve, url } = await startServe(['-b', redis.url]));
  const { createApp } = await import('../../src-main/core/app.js');
  app = createApp({ broker: redis.url });
});

test.afterAll(async () => {
  await app?.close();
  await stopServe(serve);
  await redis?.stop();
});

test('browses a queue by priority and moves one message to another queue after confirming', async ({ page }) => {
  const [first, second, urgent] = await app.sendMany([
    { name: 'tasks.add', args: [1, 2], options: { queue: 'orders' } },
    { name: 'tasks.add', args: [3, 4], options: { queue: 'orders' } },
    { name: 'tasks.mul', args: [6], kwargs: { y: 7 }, options: { queue: 'orders', priority: 7 } },
  ]);
  await page.goto(`${url}#/queues`);
  await page.getByRole('link', { name: 'orders', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Queues / orders' })).toBeVisible();
  await expect(page.getByTestId('step-0')).toContainText('2');
  await expect(page.getByTestId('step-6')).toContainText('1');
  await expect(page.locator('tr[data-message]')).toHaveCount(3);
  await expect(page.locator(`tr[data-message="${first!.id}"]`)).toContainText('[1,2]');

  await page.getByTestId('step-6').click();
  await expect(page.locator('tr[data-message]')).toHaveCount(1);
  const row = page.locator(`tr[data-message="${urgent!.id}"]`);
  await expect(row).toContainText('tasks.mul');
  await expect(row).toContainText('{"y":7}');
  await page.screenshot({ path: `${SHOTS}/queue-browser.png`, fullPage: true });

  await row.getByRole('button', { name: 'Move' }).click();
  const dialog = page.getByRole('dialog', { name: 'Move this message?' });
  await expect(dialog).toContainText('tasks.mul');
  await dialog.getByLabel('move to queue').fill('orders-urgent');
  await dialog.getByRole('button', { name: 'Move to orders-urgent' }).click();
  await expect(page.getByTestId('queue-notice')).toHaveText('Moved tasks.mul to orders-urgent.');
  await expect(row).toHaveCount(0);
  await expect(page.getByTestId('step-6')).toContainText('0');

  await page.goto(`${url}#/queues/orders-urgent`);
  await expect(page.getByTestId('step-6')).toContainText('1');
  await expect(page.locator(`tr[data-message="${urgent!.id}"]`)).toContainText('tasks.mul');

  // A selection, deleted once the dialog said how many and which tasks.
  await page.goto(`${url}#/queues/orders`);
  await page.getByLabel(`select ${first!.id}`).check();
  await page.getByLabel(`select ${second!.id}`).check();
  await page.getByRole('button', { name: 'Delete selected' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete 2 messages?' });
  await expect(confirm).toContainText('tasks.add ×2');
  await confirm.getByRole('button', { name: 'Delete 2' }).click();
  await expect(page.getByTestId('queue-notice')).toHaveText('Deleted 2 messages.');
  await expect(page.locator('tr[data-message]')).toHaveCount(0);
  expect(await app.queueLength('orders')).toBe(0);
});

test('a read-only room lists the messages with the actions off, saying why', async ({ page }) => {
  const readOnly = await startServe(['-b', redis.url, '--read-only']);
  try {
    const [sent] = await app.sendMany([{ name: 'tasks.add', args: [5, 6], options: { queue: 'watched' } }]);
    await page.goto(`${readOnly.url}#/queues/watched`);
    const row = page.locator(`tr[data-message="${sent!.id}"]`);
    await expect(row).toContainText('tasks.add');
    await expect(page.getByTestId('queue-read-only')).toContainText('Read-only room');
    for (const name of ['Run now', 'Move', 'Delete']) await expect(row.getByRole('button', { name })).toBeDisabled();
    await row.getByRole('button', { name: 'View' }).click();
    await expect(page.getByTestId('message-pretty')).toContainText('"task": "tasks.add"');
    await page.getByRole('button', { name: 'Close' }).click();
    // A claim as kombu writes it, of a worker gone long ago: held, owner unknown, to be restored.
    const [claimed] = await app.sendMany([{ name: 'tasks.mul', args: [2], options: { queue: 'watched-claimed' } }]);
    const client = redis.client();
    const raw = (await client.rpop('watched-claimed'))!;
    await client.hset('unacked', 'tag-1', `[${raw}, "", "watched"]`);
    await client.zadd('unacked_index', Date.now() / 1000 - 4000, 'tag-1');
    await client.quit();
    const held = page.locator(`tr[data-held="${claimed!.id}"]`);
    await expect(held).toContainText('tasks.mul', { timeout: 10_000 });
    await expect(held.getByTestId('held-owner')).toHaveText('unknown');
    await expect(held).toContainText('will be restored');
    // The Queues view lists what the workers hold of every queue, with the queue.
    await page.goto(`${readOnly.url}#/queues`);
    await expect(page.locator(`tr[data-held="${claimed!.id}"]`)).toContainText('watched');
  } finally {
    await stopServe(readOnly.process);
  }
});
