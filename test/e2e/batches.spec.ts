/**
 * Batches in Chromium through `celeriac serve`: real images made here with sharp, dropped on
 * the window (uploaded to the server's staging folder), resized by the hosted pool's real
 * child processes, checked on disk; a corrupt file fails readably, is fixed, and "Retry failed
 * items" completes its batch.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import sharp from 'sharp';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';

const SHOTS = 'test-results/screenshots';
let redis: RedisServer;
let serve: ChildProcess;
let url: string;
const work = mkdtempSync(join(tmpdir(), 'celeriac-batch-e2e-'));

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  redis = await startRedisServer();
  ({ process: serve, url } = await startServe(['-b', redis.url, '--pool', '-Q', 'celery', '-c', '2']));
});
test.afterAll(async () => {
  await stopServe(serve);
  await redis?.stop();
});

const FORMATS = [['jpg', 'jpeg'], ['png', 'png'], ['webp', 'webp']] as const;

/** A real image of some size and colour. */
async function makeImage(path: string, format: 'jpeg' | 'png' | 'webp', i: number): Promise<void> {
  await sharp({ create: { width: 400 + i * 10, height: 250 + i * 7, channels: 3, background: { r: (i * 37) % 255, g: 120, b: 200 - i * 5 } } }).toFormat(format).toFile(path);
}

/** Drops files on the window the way a file manager does: a drop event carrying Files. */
async function dropFiles(page: Page, paths: string[]): Promise<void> {
  // The window takes drops once it is connected and showing a view.
  await expect(page.getByRole('heading', { name: 'Batches' })).toBeVisible();
  const files = paths.map((p) => ({ name: p.split('/').pop()!, data: readFileSync(p).toString('base64') }));
  const dt = await page.evaluateHandle((list) => {
    // Runs in the page, where DataTransfer exists (this file is typed for Node).
    const transfer = new (globalThis as unknown as { DataTransfer: new () => { items: { add(f: File): void } } }).DataTransfer();
    for (const f of list) transfer.items.add(new File([Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0))], f.name));
    return transfer;
  }, files);
  await page.dispatchEvent('main', 'dragenter', { dataTransfer: dt });
  await expect(page.getByTestId('drop-overlay')).toBeVisible();
  await page.dispatchEvent('main', 'drop', { dataTransfer: dt });
}

async function startResize(page: Page, count: number, out: string): Promise<string> {
  const dialog = page.getByRole('form', { name: 'batch' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('task').selectOption('resize_image');
  await dialog.getByLabel('output folder').fill(out);
  await dialog.getByLabel('name pattern').fill('{name}-300.{ext}');
  await expect(dialog.getByRole('table', { name: 'preview' })).toContainText('-300.');
  await dialog.getByRole('button', { name: `Start ${count} tasks` }).click();
  await page.waitForURL(/#\/batches\/[0-9a-f-]+$/);
  return decodeURIComponent(page.url().split('#/batches/')[1]!);
}

test('20 images dropped in several formats are resized to 300x300, and the bar reaches 20/20', async ({ page }) => {
  const dir = join(work, 'photos');
  const out = join(work, 'resized');
  mkdirSync(dir);
  const inputs: string[] = [];
  for (let i = 0; i < 20; i++) {
    const [ext, format] = FORMATS[i % 3]!;
    const path = join(dir, `photo-${String(i).padStart(2, '0')}.${ext}`);
    await makeImage(path, format, i);
    inputs.push(path);
  }
  await page.goto(`${url}#/batches`);
  await expect(page.getByRole('heading', { name: 'Batches' })).toBeVisible();
  await dropFiles(page, inputs);
  await expect(page.getByRole('form', { name: 'batch' })).toContainText('20 files');
  await page.screenshot({ path: `${SHOTS}/batch-dialog.png`, fullPage: true });
  const id = await startResize(page, 20, out);
  await expect(page.getByTestId(`batch-count-${id}`)).not.toContainText(/^0 \/ 20/, { timeout: 30_000 });
  await page.screenshot({ path: `${SHOTS}/batch-running.png` }); // mid-way if the pool is slower than the page: for docs/batches.md
  await expect(page.getByTestId(`batch-count-${id}`)).toContainText('20 / 20', { timeout: 60_000 });
  await expect(page.getByTestId(`batch-count-${id}`)).toContainText('20 done');
  await expect(page.getByTestId(`batch-bar-${id}`)).toHaveAttribute('aria-valuenow', '20');
  await page.screenshot({ path: `${SHOTS}/batch-done.png`, fullPage: true });

  const made = readdirSync(out).sort();
  expect(made).toHaveLength(20);
  for (const name of made) {
    expect(name).toMatch(/^photo-\d\d-300\.(jpg|png|webp)$/);
    expect(await sharp(join(out, name)).metadata(), name).toMatchObject({ width: 300, height: 300 });
  }
  await page.goto(`${url}#/batches`);
  await expect(page.locator(`[data-batch="${id}"]`)).toContainText('finished');
});

test('a corrupt file fails with a readable error; fixed on disk, "Retry failed items" completes the batch', async ({ page }) => {
  const dir = join(work, 'mixed');
  const out = join(work, 'mixed-out');
  mkdirSync(dir);
  await makeImage(join(dir, 'good-1.png'), 'png', 1);
  await makeImage(join(dir, 'good-2.jpg'), 'jpeg', 2);
  writeFileSync(join(dir, 'broken.png'), 'this is not a PNG');
  await page.goto(`${url}#/batches`);
  // This time through the "Choose files…" button.
  await page.getByLabel('choose files').setInputFiles([join(dir, 'good-1.png'), join(dir, 'good-2.jpg'), join(dir, 'broken.png')]);
  const id = await startResize(page, 3, out);
  await expect(page.getByTestId(`batch-count-${id}`)).toContainText('3 / 3', { timeout: 30_000 });
  await expect(page.getByTestId(`batch-count-${id}`)).toContainText('1 failed');
  const failed = page.locator('tr[data-state="FAILURE"]');
  await expect(failed.locator('td').nth(3)).toHaveAttribute('title', /^Error: cannot read .*broken\.png as an image: .*unsupported image format/);
  await expect(failed).toContainText('broken.png as an image');
  await page.screenshot({ path: `${SHOTS}/batch-failed.png`, fullPage: true });

  // The worker read the uploaded copy: fix that one on disk.
  const staged = await failed.locator('td').nth(2).getAttribute('title'); // the cell shows the name, its tooltip the path
  expect(staged).toMatch(/uploads\/.*broken\.png$/);
  await makeImage(staged!, 'png', 3);
  await page.getByRole('button', { name: 'Retry failed items (1)' }).click();
  await expect(page.getByText('Sent 1 failed item again.')).toBeVisible();
  await expect(page.getByTestId(`batch-count-${id}`)).toContainText('3 done', { timeout: 30_000 });
  await expect(page.getByTestId(`batch-count-${id}`)).not.toContainText('failed');
  expect(readdirSync(out).sort()).toEqual(['broken-300.png', 'good-1-300.png', 'good-2-300.jpg']);
  expect(await sharp(join(out, 'broken-300.png')).metadata()).toMatchObject({ width: 300, height: 300 });
});

test('in the browser: a failed item is retried with the fixed file re-uploaded, and outputs next to the uploads download', async ({ page }) => {
  const dir = join(work, 'reupload');
  mkdirSync(dir);
  await makeImage(join(dir, 'fine.png'), 'png', 4);
  writeFileSync(join(dir, 'bad.png'), 'not a PNG either');
  await page.goto(`${url}#/batches`);
  await page.getByLabel('choose files').setInputFiles([join(dir, 'fine.png'), join(dir, 'bad.png')]);
  const dialog = page.getByRole('form', { name: 'batch' });
  await dialog.getByLabel('task').selectOption('resize_image');
  // No output folder: outputs go next to the inputs, i.e. into the staging folder.
  await dialog.getByLabel('name pattern').fill('{name}-300.{ext}');
  await dialog.getByRole('button', { name: 'Start 2 tasks' }).click();
  await page.waitForURL(/#\/batches\/[0-9a-f-]+$/);
  const id = decodeURIComponent(page.url().split('#/batches/')[1]!);
  await expect(page.getByTestId(`batch-count-${id}`)).toContainText('1 failed', { timeout: 30_000 });

  // Fixed on the user's disk, not in the staging folder: the page uploads it in place.
  await makeImage(join(dir, 'bad.png'), 'png', 5);
  await page.getByLabel('fixed files').setInputFiles([join(dir, 'bad.png')]);
  await expect(page.getByText('Replaced 1 staged file and sent 1 failed item again.')).toBeVisible();
  await expect(page.getByTestId(`batch-count-${id}`)).toContainText('2 done', { timeout: 30_000 });

  const links = page.getByTestId('download');
  await expect(links).toHaveCount(2);
  const response = await page.request.get(new URL((await links.first().getAttribute('href'))!, url).toString());
  expect(response.status()).toBe(200);
  expect(await sharp(await response.body()).metadata()).toMatchObject({ width: 300, height: 300 });
});

test('a CSV dropped alone runs one task per row, its columns mapped to the parameters', async ({ page }) => {
  const dir = join(work, 'csv');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.txt'), 'alpha');
  writeFileSync(join(dir, 'b.txt'), 'beta');
  const csv = join(dir, 'hashes.csv');
  writeFileSync(csv, `path,algorithm\n${join(dir, 'a.txt')},md5\n${join(dir, 'b.txt')},sha1\n`);
  await page.goto(`${url}#/batches`);
  await dropFiles(page, [csv]);
  const dialog = page.getByRole('form', { name: 'batch' });
  await expect(dialog).toContainText('2 rows from hashes.csv');
  await dialog.getByLabel('task').selectOption('checksum');
  await expect(dialog.getByLabel('column for path')).toHaveValue('path');
  await expect(dialog.getByLabel('column for algorithm')).toHaveValue('algorithm');
  await expect(dialog.getByRole('table', { name: 'preview' })).toContainText('"md5"');
  await dialog.getByRole('button', { name: 'Start 2 tasks' }).click();
  await page.waitForURL(/#\/batches\/[0-9a-f-]+$/);
  const id = decodeURIComponent(page.url().split('#/batches/')[1]!);
  await expect(page.getByTestId(`batch-count-${id}`)).toContainText('2 done', { timeout: 30_000 });
  await expect(page.locator('tr[data-item="0"]')).toContainText('a.txt');
});

test('the batch dialog suggests the task most files fit and lists them in name order; Send refuses an empty file parameter', async ({ page }) => {
  const dir = join(work, 'suggest');
  mkdirSync(dir);
  for (const [i, name] of ['img10.png', 'img2.png', 'img1.png'].entries()) await makeImage(join(dir, name), 'png', i);
  writeFileSync(join(dir, 'notes.txt'), 'not an image');
  await page.goto(`${url}#/batches`);
  await page.getByLabel('choose files').setInputFiles(['img10.png', 'notes.txt', 'img2.png', 'img1.png'].map((n) => join(dir, n)));
  const dialog = page.getByRole('form', { name: 'batch' });
  await expect(dialog.getByLabel('task')).toHaveValue('resize_image'); // three of four are images
  const inputs = dialog.getByRole('table', { name: 'preview' }).locator('tbody tr td:first-child');
  await expect(inputs).toHaveText(['img1.png', 'img2.png', 'img10.png', 'notes.txt']);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await page.getByLabel('choose files').setInputFiles([join(dir, 'notes.txt')]);
  await expect(dialog.getByLabel('task')).toHaveValue('checksum'); // no image task takes a text file
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await page.goto(`${url}#/submit`);
  const name = page.getByLabel('Task name');
  await expect(name).toHaveAttribute('placeholder', 'checksum'); // a task this pool declares
  await name.fill('checksum');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('alert')).toHaveText('path is required: a path the worker can read');
  expect(page.url()).toMatch(/#\/submit$/);
});
