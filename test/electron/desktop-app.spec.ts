/**
 * The desktop app itself, through Playwright's Electron driver: it launches, its first window
 * shows the overview, and a task sent from the form shows its result — on the embedded
 * Local Redis and the utilityProcess pool. Runs wherever the Electron binary exists; the same
 * scenario runs in Chromium through `celeriac serve` (test/e2e) everywhere.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { firstRunScenario } from '../e2e/first-run.js';
import { electronBinary } from '../../scripts/electron-binary.js';

const binary = electronBinary();

test('the desktop app starts on the overview and runs a task sent from its form', async () => {
  if ('missing' in binary) {
    // The list reporter shows no skip reasons: say it where CI logs show it.
    process.stderr.write(`Electron test skipped: ${binary.missing}. The same scenario runs through celeriac serve (test/e2e).\n`);
    test.skip(true, binary.missing);
    return;
  }
  const userData = mkdtempSync(join(tmpdir(), 'celeriac-electron-'));
  const app = await electron.launch({
    executablePath: binary.path,
    args: ['dist/src-main/electron/main.js', `--user-data-dir=${userData}`, ...(process.env.CI ? ['--no-sandbox'] : [])],
    env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1' },
  });
  try {
    const page = await app.firstWindow();
    expect(page.url()).toMatch(/^app:\/\/celeriac\//);
    // The renderer is sandboxed: no Node in the page, only the bridge.
    expect(await page.evaluate(() => [typeof (globalThis as { require?: unknown }).require, typeof (globalThis as { celeriac?: unknown }).celeriac])).toEqual(['undefined', 'object']);
    await firstRunScenario(page);
  } finally {
    await app.close();
  }
});
