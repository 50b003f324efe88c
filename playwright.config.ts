import { defineConfig } from '@playwright/test';

// Debian's Chromium: Playwright's own browser download cannot run here (or in CI).
export default defineConfig({
  // test/e2e drives Chromium through `celeriac serve`; test/electron the desktop app (skipped,
  // saying why, where the Electron binary is missing).
  testDir: 'test',
  testMatch: ['e2e/**/*.spec.ts', 'electron/**/*.spec.ts'],
  timeout: 60_000,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results/e2e',
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    },
  },
});
