/**
 * The control room in Chromium, through `celeriac serve`, against a real Redis, a real
 * `celeriac worker` and (for one scenario) a real Python Celery producer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { CLI } from '../helpers/cli.js';
import { pythonCeleryAvailable, runPython } from '../helpers/python.js';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { TASKS } from '../helpers/worker.js';

const SHOTS = 'test-results/screenshots';
let redis: RedisServer;
let serve: ChildProcess;
let url: string;

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  redis = await startRedisServer();
  // The control room hosts the worker pool (real child processes) on the test task module.
  serve = spawn(process.execPath, [CLI, 'serve', '--port', '0', '-b', redis.url, '-A', TASKS, '-c', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    serve.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Celeriac control room: (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    serve.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
});

test.afterAll(async () => {
  const exited = new Promise((r) => serve?.once('exit', r));
  serve?.kill('SIGTERM');
  await exited;
  await redis?.stop();
});

async function send(page: Page, name: string, args: string): Promise<void> {
  await page.goto(`${url}#/submit`);
  await page.getByLabel('Task name').fill(name);
  await page.getByLabel('Positional arguments (JSON list)').fill(args);
  await page.getByRole('button', { name: 'Send' }).click();
}

test('a task sent from the form goes from pending to success, with its result', async ({ page }) => {
  await send(page, 'tasks.add', '[40, 2]');
  await expect(page.getByTestId('detail-state')).toHaveText('SUCCESS', { timeout: 15_000 });
  await expect(page.getByTestId('detail-result')).toHaveText('42');
  await expect(page.getByTestId('connection')).toHaveText('connected');
  await page.screenshot({ path: `${SHOTS}/task-detail.png`, fullPage: true });
  await page.goto(`${url}#/tasks`);
  await expect(page.locator('.list-row[data-state="SUCCESS"]').first()).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/tasks.png`, fullPage: true });
});

test('a task sent from the form generated from its declared parameters succeeds', async ({ page }) => {
  await page.goto(`${url}#/submit`);
  await page.getByLabel('Task name').fill('tasks.greet');
  await page.getByLabel('who').fill('Ada');
  await page.getByLabel('times').fill('2');
  await page.getByLabel('style').selectOption({ label: 'loud' });
  await page.screenshot({ path: `${SHOTS}/send-form.png`, fullPage: true });
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('detail-state')).toHaveText('SUCCESS', { timeout: 15_000 });
  await expect(page.getByTestId('detail-result')).toHaveText('"HELLO, ADA! HELLO, ADA!"');
});

test('a failure shows its error and traceback; Retry makes it succeed and both attempts show', async ({ page }) => {
  await send(page, 'tasks.flaky_once', JSON.stringify([uniqueName('attempts')]));
  await expect(page.getByTestId('detail-state')).toHaveText('FAILURE', { timeout: 15_000 });
  await expect(page.locator('pre.error-text')).toContainText('first attempt fails');
  await page.screenshot({ path: `${SHOTS}/task-failed.png`, fullPage: true });
  await page.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByTestId('detail-state')).toHaveText('SUCCESS', { timeout: 15_000 });
  const attempts = page.getByRole('table', { name: 'attempts' }).locator('tbody tr');
  await expect(attempts).toHaveCount(2);
  await expect(attempts.nth(0)).toContainText('FAILURE');
  await expect(attempts.nth(1)).toContainText('SUCCESS');
});

test('failed tasks selected in the list are sent again together', async ({ page }) => {
  const { createApp } = await import('../../src-main/core/app.js');
  const app = createApp({ broker: redis.url });
  const sent = await Promise.all([1, 2].map(() => app.sendTask('tasks.flaky_once', [uniqueName('bulk')])));
  await Promise.all(sent.map((r) => r.get({ timeout: 15_000 }).catch(() => undefined)));
  await page.goto(`${url}#/tasks?state=FAILURE`);
  for (const r of sent) await page.getByLabel(`select ${r.id}`).check();
  await page.screenshot({ path: `${SHOTS}/tasks-failed-selected.png`, fullPage: true });
  await page.getByRole('button', { name: 'Retry 2 selected' }).click();
  await expect(page.getByText('Sent 2 again.')).toBeVisible();
  expect(await Promise.all(sent.map((r) => r.get({ timeout: 15_000 })))).toEqual(['ok on attempt 2', 'ok on attempt 2']);
  await app.close();
});

test('a Python-sent task shows in its queue\'s depth, and purge empties the queue', async ({ page }) => {
  test.skip(!pythonCeleryAvailable(), 'python3-celery is not installed here (required in CI)');
  const queue = uniqueName('pyq');
  await runPython('pyclient.py', ['enqueue', 'tasks.add', '[1, 2]', queue], { CELERIAC_TEST_BROKER: redis.url });
  await page.goto(`${url}#/queues`);
  await expect(page.getByTestId(`depth-${queue}`)).toHaveText('1');
  await page.screenshot({ path: `${SHOTS}/queues.png`, fullPage: true });
  page.once('dialog', (d) => void d.accept());
  await page.locator(`tr[data-queue="${queue}"]`).getByRole('button', { name: 'Purge' }).click();
  await expect(page.getByText(`Purged 1 message from ${queue}.`)).toBeVisible();
  await expect(page.getByTestId(`depth-${queue}`)).toHaveText('0');
});

test('a task sent by Python\'s .delay() appears in the task list once a worker takes it', async ({ page }) => {
  test.skip(!pythonCeleryAvailable(), 'python3-celery is not installed here (required in CI)');
  const out = JSON.parse(await runPython('pyclient.py', ['enqueue', 'tasks.add', '[20, 22]', 'celery'], { CELERIAC_TEST_BROKER: redis.url })) as { id: string };
  await page.goto(`${url}#/tasks`);
  await expect(page.locator(`.list-row[data-task="${out.id}"]`)).toHaveAttribute('data-state', 'SUCCESS', { timeout: 15_000 });
});

test('the workers view shows the running worker', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' }); // and the dark theme follows the system's
  await page.goto(`${url}#/workers`);
  await expect(page.getByRole('table', { name: 'workers' })).toContainText('online');
  await page.screenshot({ path: `${SHOTS}/workers.png`, fullPage: true });
});

test('without the token the page cannot connect', async ({ page }) => {
  const { origin } = new URL(url);
  await page.goto(`${origin}/#/queues`);
  await expect(page.getByText(/cannot reach the Celeriac server/)).toBeVisible();
});
