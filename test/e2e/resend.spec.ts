/**
 * Edit and resend in Chromium, through `celeriac serve` hosting a worker pool on the test task
 * module: a task that failed because of its arguments is edited in the typed form (its declared
 * parameters) and sent as a new task; the new task's page opens, says what it was resent from
 * and succeeds; the original's page says what it was resent as.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { createApp, type App } from '../../src-main/core/app.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { TASKS } from '../helpers/worker.js';
import { startServe, stopServe } from '../helpers/serve.js';

const SHOTS = 'test-results/screenshots';
let redis: RedisServer;
let serve: ChildProcess;
let url: string;
let app: App;

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  redis = await startRedisServer();
  ({ process: serve, url } = await startServe(['-b', redis.url, '--pool', '-Q', 'celery', '-A', TASKS, '-c', '1']));
  app = createApp({ broker: redis.url });
});

test.afterAll(async () => {
  await app?.close();
  await stopServe(serve);
  await redis?.stop();
});

test('a failed task edited in its form and sent as a new task opens the new one, which says where it came from and succeeds', async ({ page }) => {
  // greet(5, 1, 'loud') fails: a number has no toUpperCase.
  const failed = await app.sendTask('tasks.greet', [5, 1, 'loud']);
  await failed.get({ timeout: 15_000 }).catch(() => undefined);
  await page.goto(`${url}#/tasks/${failed.id}`);
  await expect(page.getByTestId('detail-state')).toHaveText('FAILURE', { timeout: 15_000 });

  await page.getByRole('button', { name: 'Edit and resend' }).click();
  const dialog = page.getByRole('dialog', { name: 'edit and resend' });
  await expect(dialog.getByLabel('who')).toHaveValue('5');
  await dialog.getByLabel('who').fill('Ada');
  await expect(dialog.getByLabel('Queue')).toHaveValue('celery');
  await page.screenshot({ path: `${SHOTS}/resend-dialog.png`, fullPage: true });
  await dialog.getByRole('button', { name: 'Send as new task' }).click();

  // The new task's page: another id, linked to the original, run with the new arguments.
  await expect(page).not.toHaveURL(new RegExp(failed.id));
  await expect(page.getByTestId('resent-from')).toContainText(failed.id);
  await expect(page.getByTestId('detail-state')).toHaveText('SUCCESS', { timeout: 15_000 });
  await expect(page.getByTestId('detail-result')).toHaveText('"HELLO, ADA!"');
  const newId = decodeURIComponent(new URL(page.url()).hash.replace('#/tasks/', ''));
  await page.screenshot({ path: `${SHOTS}/resent-task.png`, fullPage: true });

  // The original stays failed and says what it was resent as.
  await page.getByTestId('resent-from').getByRole('link').click();
  await expect(page.getByTestId('detail-state')).toHaveText('FAILURE');
  await expect(page.getByTestId('resent-as')).toContainText(newId);
});

test('arguments edited as JSON are checked as typed, and a retry in place runs the same task again with them', async ({ page }) => {
  const failed = await app.sendTask('tasks.greet', [5, 1, 'loud']);
  await failed.get({ timeout: 15_000 }).catch(() => undefined);
  await page.goto(`${url}#/tasks/${failed.id}`);
  await expect(page.getByTestId('detail-state')).toHaveText('FAILURE', { timeout: 15_000 });

  await page.getByRole('button', { name: 'Edit and resend' }).click();
  const dialog = page.getByRole('dialog', { name: 'edit and resend' });
  await dialog.getByRole('button', { name: 'JSON' }).click();
  const args = dialog.getByLabel('Positional arguments (JSON list)');
  await expect(args).toHaveValue('[5,1,"loud"]');
  await args.fill('["Bo", 2');
  await expect(dialog.getByTestId('resend-json-problem')).toContainText('must be JSON');
  await expect(dialog.getByRole('button', { name: 'Retry in place' })).toBeDisabled();
  await args.fill('["Bo", 2, "plain"]');
  await dialog.getByRole('button', { name: 'Retry in place' }).click();

  // The same page: its id runs again with the edits, and says it was edited.
  await expect(page.getByTestId('detail-state')).toHaveText('SUCCESS', { timeout: 15_000 });
  await expect(page.getByTestId('detail-result')).toHaveText('"Hello, Bo! Hello, Bo!"');
  await expect(page.getByTestId('edited-in-place')).toContainText('retried in place with edits once');
  expect(page.url()).toContain(failed.id);
});
