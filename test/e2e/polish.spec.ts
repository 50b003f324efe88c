/**
 * A new user's path through the control room watching a Python shop, in Chromium: Send
 * suggests what the live worker runs and warns of a built-in nobody runs; a task sent where
 * nobody consumes says so; an invalid search leaves nothing to act on; runtimes and times read
 * as people say them; a megabyte argument wraps; the dark theme reads; a banner is dismissed.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { pythonCeleryMissing, runPython, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { freePort, startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';
import { contrast } from '../helpers/contrast.js';

const SHOTS = 'test-results/screenshots';
let redis: RedisServer;
let serve: ChildProcess;
let url: string;
let py: PythonWorker | undefined;
const pythonMissing = pythonCeleryMissing();
// One set-up for every scenario of this file: the control room watching a Python shop (a real
// Python Celery worker beside it). Skipped together, with pythonCeleryMissing's reason (the
// interpreter asked, its import error, the apt-get line); in CI it throws instead of skipping.
test.skip(pythonMissing !== null, `these scenarios run against a Python shop (a real Python Celery worker): ${pythonMissing}`);

test.beforeAll(async () => {
  if (pythonMissing !== null) return;
  mkdirSync(SHOTS, { recursive: true });
  redis = await startRedisServer();
  py = await startPythonWorker(redis.url, ['celery'], 'polish', { heartbeat: true });
  ({ process: serve, url } = await startServe(['-b', redis.url]));
});

test.afterAll(async () => {
  await stopServe(serve);
  await py?.stop();
  await redis?.stop();
});

/** Sends tasks.add from Python until the history lists a success (the room turns the worker's events on). */
async function pythonTasksListed(page: Page): Promise<void> {
  await page.goto(`${url}#/tasks`);
  await expect(async () => {
    await runPython('pyclient.py', ['send-add', '20', '22'], { CELERIAC_TEST_BROKER: redis.url });
    await expect(page.locator('.list-row[data-state="SUCCESS"]').first()).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30_000 });
}

test('Send suggests the Python worker’s tasks and says a built-in runs nowhere', async ({ page }) => {
  await page.goto(`${url}#/submit`);
  await expect(page.locator('#declared-tasks option[value="tasks.add"]')).toHaveAttribute('label', /^runs on polish@/, { timeout: 15_000 });
  await expect(page.locator('#declared-tasks option[value="resize_image"]')).toHaveAttribute('label', 'built-in — no worker runs it');
  await page.getByLabel('Task name').fill('resize_image');
  await expect(page.getByTestId('task-warning')).toContainText('resize_image — no worker runs it');
  await page.screenshot({ path: `${SHOTS}/send-unrun-task.png` });
  await page.getByLabel('Task name').fill('tasks.add');
  await expect(page.getByTestId('task-warning')).toBeHidden();
});

test('a task sent to a queue nobody consumes says so on its page', async ({ page }) => {
  const queue = uniqueName('nobody');
  await page.goto(`${url}#/submit`);
  await page.getByLabel('Task name').fill('tasks.add');
  await page.getByLabel('Positional arguments (JSON list)').fill('[1, 2]');
  await page.getByLabel('Queue', { exact: true }).fill(queue);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('no-consumer')).toContainText(`No worker consumes queue ${queue}`, { timeout: 20_000 });
  await page.screenshot({ path: `${SHOTS}/no-consumer.png` });
});

test('an invalid search clears the rows and leaves nothing to act on; runtimes and times in human units', async ({ page }) => {
  await pythonTasksListed(page);
  const row = page.locator('.list-row[data-state="SUCCESS"]').first();
  // Runtime as "1.2 ms" / "20.1 s" / "1 min 3 s", never thousands of ms; seen in local time with "ago".
  await expect(row.locator('span.num')).toHaveText(/^(\d+(\.\d)? (µs|ms|s)|\d+ min( \d+ s)?)$/);
  await expect(row).toContainText(/ago|just now/);
  await expect(page.getByLabel('select all matching')).toBeVisible();

  await page.getByLabel('search').fill('colour:blue');
  await expect(page.getByRole('alert')).toContainText('search: unknown qualifier colour');
  await expect(page.locator('.list-row')).toHaveCount(0);
  await expect(page.getByLabel('select all matching')).toBeHidden();
  await expect(page.getByRole('button', { name: /^Retry|^Revoke/ })).toHaveCount(0);
  await expect(page.getByTestId('task-count')).toHaveText(/^0 of /);
  await page.screenshot({ path: `${SHOTS}/invalid-search.png` });

  await page.getByLabel('search').fill('name:tasks.add');
  await expect(page.locator('.list-row[data-state="SUCCESS"]').first()).toBeVisible();
});

test('a megabyte argument wraps, cut in the page with show all, in the dark theme too', async ({ page }) => {
  const { createApp } = await import('../../src-main/core/app.js');
  const app = createApp({ broker: redis.url });
  const big = 'x'.repeat(1024 * 1024);
  const sent = await app.sendTask('tasks.echo', [big]);
  await sent.get({ timeout: 30_000 });
  await app.close();

  await page.goto(`${url}#/tasks/${sent.id}`);
  await expect(page.getByTestId('detail-state')).toHaveText('SUCCESS', { timeout: 20_000 });
  const sideways = (): Promise<number> => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  expect(await sideways()).toBeLessThanOrEqual(0);
  await expect(page.getByTestId('detail-result-cut')).toContainText('more not shown');
  expect((await page.getByTestId('detail-result').textContent())!.length).toBeLessThan(5000);
  await page.screenshot({ path: `${SHOTS}/long-argument.png` });
  await page.getByTestId('detail-result-cut').getByRole('button', { name: /^show/ }).click();
  await expect(page.getByTestId('detail-result-cut')).toContainText('show less');
  expect(await sideways()).toBeLessThanOrEqual(0);

  await page.evaluate("localStorage.setItem('theme', 'dark')");
  await page.reload();
  await expect(page.getByTestId('detail-state')).toHaveText('SUCCESS');
  expect(await sideways()).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `${SHOTS}/long-argument-dark.png` });
});

test('the dark Overview: its links and text read at 4.5:1', async ({ page }) => {
  await pythonTasksListed(page);
  await page.goto(`${url}#/overview`);
  await page.getByLabel('theme').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const link = page.getByRole('table', { name: 'tasks by name' }).getByRole('link', { name: 'tasks.add' });
  await expect(link).toBeVisible({ timeout: 20_000 });
  const hex = (rgb: string): string => `#${(rgb.match(/\d+/g) ?? []).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, '0')).join('')}`;
  // The page's own colours, as the browser computed them (the test compiles without the DOM's types).
  const colours = await link.evaluate((a) => {
    const w = globalThis as unknown as { getComputedStyle(e: unknown): { color: string; backgroundColor: string }; document: { body: unknown } };
    const table = (a as unknown as { closest(selector: string): unknown }).closest('table');
    return { link: w.getComputedStyle(a).color, panel: w.getComputedStyle(table).backgroundColor, text: w.getComputedStyle(w.document.body).color, bg: w.getComputedStyle(w.document.body).backgroundColor };
  });
  expect(contrast(hex(colours.link), hex(colours.panel))).toBeGreaterThanOrEqual(4.5);
  expect(contrast(hex(colours.text), hex(colours.bg))).toBeGreaterThanOrEqual(4.5);
  await page.screenshot({ path: `${SHOTS}/overview-dark.png`, fullPage: true });
});

test('a "could not switch" banner is dismissed, and comes back when it says something else', async ({ page }) => {
  const useDead = async (name: string): Promise<void> => {
    await page.goto(`${url}#/connections`);
    await page.getByRole('button', { name: 'New connection' }).click();
    const form = page.getByRole('form', { name: 'connection' });
    await form.getByLabel('name', { exact: true }).fill(name);
    await form.getByLabel('url').fill(`redis://127.0.0.1:${await freePort()}/0`);
    await form.getByRole('button', { name: 'Save' }).click();
    await page.locator(`tr[data-profile="${name}"]`).getByRole('button', { name: 'Use' }).click();
  };
  await useDead('Gone');
  const banner = page.getByTestId('status-message');
  await expect(banner).toContainText('could not switch: Gone', { timeout: 20_000 });
  await page.screenshot({ path: `${SHOTS}/switch-banner.png` });
  await banner.getByRole('button', { name: 'dismiss' }).click();
  await expect(banner).toBeHidden();
  await useDead('Gone too');
  await expect(banner).toContainText('could not switch: Gone too', { timeout: 20_000 });
});
