/**
 * Failure triage in Chromium, through `celeriac serve` against a real Redis and its hosted
 * worker pool: a failure group resolved in the page, then a new failure of the same cause shows
 * it regressed; a group ignored leaves the list and the failed count until shown; a read-only
 * room shows the buttons off and says why.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { expect, test, type Locator, type Page } from '@playwright/test';
import type { App } from '../../src-main/core/app.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';
import { TASKS } from '../helpers/worker.js';

const SHOTS = 'test-results/screenshots';
let redis: RedisServer;
let serve: ChildProcess;
let url: string;
let app: App;
/** Failures sent so far: what the summary bar counts with none ignored. */
let failures = 0;

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  redis = await startRedisServer();
  ({ process: serve, url } = await startServe(['-b', redis.url, '--pool', '-Q', 'celery', '-A', TASKS, '-c', '1']));
  const { createApp } = await import('../../src-main/core/app.js');
  app = createApp({ broker: redis.url, taskRecords: true });
});

test.afterAll(async () => {
  await app?.close();
  await stopServe(serve);
  await redis?.stop();
});

/** Sends tasks.fail with this message and waits for it to fail. */
async function fail(message: string): Promise<void> {
  const r = await app.sendTask('tasks.fail', [message]);
  await r.get({ timeout: 15_000 }).catch(() => undefined);
  failures++;
}

/** The group whose pattern is shown, refreshed until `check` passes (the view reads the groups when asked). */
async function refreshedUntil(page: Page, check: () => Promise<void>): Promise<void> {
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await check();
  }).toPass({ timeout: 20_000 });
}

const groupRow = (page: Page, pattern: string): Locator => page.locator('tr[data-group="tasks.fail"]', { hasText: pattern });

test('a group resolved in the page shows regressed when the same cause fails again', async ({ page }) => {
  await fail('invoice 1 unpaid');
  await fail('invoice 2 unpaid');
  await page.goto(`${url}#/failures`);
  const row = groupRow(page, 'invoice <n> unpaid');
  await refreshedUntil(page, () => expect(row.getByTestId('group-count')).toHaveText('2', { timeout: 1000 }));

  await row.getByRole('button', { name: 'Resolve', exact: true }).click();
  await expect(row.getByTestId('triage-resolved')).toBeVisible();
  await expect(row.getByRole('button', { name: 'Reopen' })).toBeVisible();
  await expect(row.getByRole('button', { name: 'Resolve', exact: true })).toHaveCount(0);

  await fail('invoice 3 unpaid');
  await refreshedUntil(page, () => expect(row.getByTestId('triage-regressed')).toBeVisible({ timeout: 1000 }));
  await expect(row.getByTestId('triage-since')).toHaveText(/1 since resolved/);
  await expect(row.getByTestId('group-count')).toHaveText('3');
  await page.screenshot({ path: `${SHOTS}/failure-regressed.png`, fullPage: true });

  // Resolved again: regressed no more.
  await row.getByRole('button', { name: 'Resolve again' }).click();
  await expect(row.getByTestId('triage-resolved')).toBeVisible();
});

test('an ignored group leaves the list and the failed count until shown, and can be reopened', async ({ page }) => {
  await fail('mailbox 4 full');
  await page.goto(`${url}#/failures`);
  const row = groupRow(page, 'mailbox <n> full');
  await refreshedUntil(page, () => expect(row.getByTestId('group-count')).toHaveText('1', { timeout: 1000 }));
  const failed = page.getByTestId('summary-failed').locator('strong');
  await expect(failed).toHaveText(String(failures), { timeout: 10_000 });

  await row.getByRole('button', { name: 'Ignore' }).click();
  await expect(row).toHaveCount(0);
  await expect(page.getByText('show ignored (1)')).toBeVisible();
  await expect(failed).toHaveText(String(failures - 1), { timeout: 10_000 });
  await expect(page.getByTestId('summary-failed')).toHaveAttribute('title', /1 failure of ignored groups/);

  await page.getByTestId('show-ignored').check();
  await expect(row.getByTestId('triage-ignored')).toBeVisible();
  await row.getByRole('button', { name: 'Reopen' }).click();
  await expect(row.getByTestId('triage')).toHaveCount(0);
  await expect(page.getByText('show ignored (0)')).toBeVisible();
  await expect(failed).toHaveText(String(failures), { timeout: 10_000 });
});

test('a read-only room shows the triage buttons off, saying why', async ({ page }) => {
  const watching = await startServe(['-b', redis.url, '--no-pool', '--read-only']);
  try {
    await page.goto(`${watching.url}#/failures`);
    await expect(page.getByTestId('read-only')).toBeVisible();
    const row = groupRow(page, 'invoice <n> unpaid');
    await refreshedUntil(page, () => expect(row.getByTestId('group-count')).toHaveText('3', { timeout: 1000 }));
    await expect(page.getByText('This control room is read-only (serve --read-only)')).toBeVisible();
    const reopen = row.getByRole('button', { name: 'Reopen' });
    await expect(row.getByRole('button', { name: 'Ignore' })).toBeDisabled();
    // Its own history (a data folder of its own) has no mark: the group is open there.
    await expect(reopen).toHaveCount(0);
    await expect(row.getByRole('button', { name: 'Resolve', exact: true })).toBeDisabled();
    await expect(row.getByRole('button', { name: 'Resolve', exact: true })).toHaveAttribute('title', /read-only/);
  } finally {
    await stopServe(watching.process);
  }
});
