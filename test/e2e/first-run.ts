/**
 * The desktop app's first-run scenario, shared by the Electron test (test/electron) and the
 * browser test through `celeriac serve`: the first window shows the overview; a built-in
 * task sent from the Send form runs on the hosted pool and its result shows.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';

export async function firstRunScenario(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('profile')).not.toContainText('connecting', { timeout: 30_000 });

  const file = join(mkdtempSync(join(tmpdir(), 'celeriac-first-run-')), 'hello.txt');
  writeFileSync(file, 'hello, celeriac\n');
  const digest = createHash('sha256').update('hello, celeriac\n').digest('hex');

  await page.getByRole('link', { name: 'Send' }).click();
  await page.getByLabel('Task name').fill('checksum');
  await page.getByLabel('path').fill(file);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('detail-state')).toHaveText('SUCCESS', { timeout: 30_000 });
  await expect(page.getByTestId('detail-result')).toHaveText(JSON.stringify(digest));
}
