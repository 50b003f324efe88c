/**
 * Alerts in Chromium through `celeriac serve`, against a real Redis: a queue-depth rule added
 * in the page fires when messages wait in its queue (shown as firing, counted in the
 * navigation, and a browser notification made), and shows resolved in the history once the
 * queue is purged.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';
import { wsReply } from '../helpers/ws.js';

const SHOTS = 'test-results/screenshots';
let redis: RedisServer;
let serve: ChildProcess;
let url: string;
/** A local webhook receiver: every JSON body posted to it. */
let receiver: Server;
const received: Array<{ text: string; alert?: { state: string; subject: string } }> = [];
let hookUrl: string;

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  redis = await startRedisServer();
  // No pool: nothing consumes the queue the rule watches.
  ({ process: serve, url } = await startServe(['-b', redis.url, '--no-pool']));
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as (typeof received)[number]);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/T0/B0/s3cret`; // a Slack webhook's path is its secret
});
test.afterAll(async () => {
  receiver?.close();
  await stopServe(serve);
  await redis?.stop();
});

/** The page's notifications, as a browser's Notification API would have shown them (permission granted). */
async function recordNotifications(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const shown: Array<{ title: string; body: string }> = [];
    class RecordedNotification {
      static permission = 'granted';
      static requestPermission = async (): Promise<string> => 'granted';
      onclick: (() => void) | null = null;
      constructor(title: string, options: { body?: string } = {}) {
        shown.push({ title, body: options.body ?? '' });
      }
      close(): void {}
    }
    Object.assign(globalThis, { Notification: RecordedNotification, shownNotifications: shown });
  });
}

function shown(page: Page): Promise<Array<{ title: string; body: string }>> {
  return page.evaluate(() => (globalThis as unknown as { shownNotifications: Array<{ title: string; body: string }> }).shownNotifications);
}

/** One contract call over the server's WebSocket, as the page makes it. */
async function callContract(method: string, input: unknown): Promise<unknown> {
  const { host, searchParams } = new URL(url);
  const ws = new WebSocket(`ws://${host}/ws?token=${encodeURIComponent(searchParams.get('token') ?? '')}`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  try {
    const reply = await wsReply(ws, { id: 1, method, input });
    if (reply.ok !== true) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
    return reply.value;
  } finally {
    ws.close();
  }
}

test('a queue-depth rule added in the page fires when messages wait, notifies, and resolves once the queue is purged', async ({ page }) => {
  const queue = uniqueName('alerted');
  await recordNotifications(page);
  await page.goto(`${url}#/alerts`);
  await expect(page.getByRole('heading', { name: 'Alerts' })).toBeVisible();
  await expect(page.getByTestId('no-firing')).toBeVisible();

  // Delivery: a desktop (here, browser) notification per alert, unless turned off; and a
  // webhook, tried first with a test message.
  const delivery = page.getByRole('form', { name: 'alert delivery' });
  await expect(delivery.getByLabel(/Desktop notification/)).toBeChecked();
  await delivery.getByLabel(/Webhook/).fill('not a url');
  await delivery.getByRole('button', { name: 'Save delivery' }).click();
  await expect(delivery.getByRole('alert')).toContainText('Webhook: not a URL');
  await delivery.getByLabel(/Webhook/).fill(hookUrl);
  await delivery.getByRole('button', { name: 'Send a test' }).click();
  await expect(page.getByText(/^Test sent/)).toBeVisible();
  expect(received.map((b) => b.text)).toEqual([expect.stringContaining('a test message')]);
  await delivery.getByRole('button', { name: 'Save delivery' }).click();
  await expect(page.getByText('Delivery saved.')).toBeVisible();
  // Shown back redacted, its path never sent to the page: a field replaces it.
  await expect(delivery.getByTestId('webhook-current')).toContainText(`${new URL(hookUrl).origin}/…`);
  await expect(delivery.getByLabel(/Webhook: replace it/)).toHaveValue('');
  expect(await page.content()).not.toContain('s3cret');

  // The rule, through its typed form: a bad threshold is refused before anything is saved.
  await page.getByRole('button', { name: 'Add rule' }).click();
  const form = page.getByRole('form', { name: 'alert rule' });
  await form.getByLabel('Kind').selectOption({ label: 'Queue depth' });
  await form.getByLabel('Name').fill('backed up');
  await form.getByLabel('Queue', { exact: true }).fill(queue);
  await form.getByLabel(/Holding at least/).fill('0');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await expect(form.getByRole('alert')).toContainText('Holding at least');
  await form.getByLabel(/Holding at least/).fill('1');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await expect(page.getByText('Rule added.')).toBeVisible();
  await expect(page.getByRole('table', { name: 'alert rules' })).toContainText(`${queue} holding 1 message or more`);
  expect(await callContract('alerts:config', {})).toMatchObject({ rules: [{ kind: 'queue-depth', queue, depth: 1, name: 'backed up', enabled: true }], delivery: { desktop: true, webhookUrl: `${new URL(hookUrl).origin}/…`, webhookSet: true } });

  // Three real messages wait in the queue: nothing consumes it.
  const { createApp } = await import('../../src-main/core/app.js');
  const app = createApp({ broker: redis.url });
  for (const n of [1, 2, 3]) await app.sendTask('tasks.add', [n, n], {}, { queue });
  await app.close();

  const firing = page.getByRole('table', { name: 'firing alerts' }).locator(`tr[data-subject="${queue}"]`);
  await expect(firing).toBeVisible({ timeout: 30_000 });
  await expect(firing).toContainText(queue);
  await expect(page.getByTestId('nav-firing')).toHaveText('1');
  await expect.poll(async () => (await shown(page)).map((n) => n.title)).toContain('Alert: backed up');
  await expect.poll(() => received.filter((b) => b.alert?.subject === queue).map((b) => b.alert!.state), { timeout: 30_000 }).toEqual(['firing']);
  await expect(page.getByTestId('webhook-status')).toContainText('1 delivered', { timeout: 30_000 }); // the alert (a test message is not counted)
  await page.screenshot({ path: `${SHOTS}/alerts-firing.png`, fullPage: true });

  expect(await callContract('queues:purge', { queue, confirm: true })).toEqual({ purged: 3 });
  const resolved = page.getByRole('table', { name: 'alert history' }).locator(`tr[data-subject="${queue}"][data-state="resolved"]`);
  await expect(resolved).toBeVisible({ timeout: 30_000 });
  await expect(resolved).toContainText('RESOLVED');
  await expect(page.getByTestId('no-firing')).toBeVisible();
  await expect(page.getByTestId('nav-firing')).toHaveCount(0);
  await expect.poll(async () => (await shown(page)).map((n) => n.title)).toContain('Resolved: backed up');
  await expect.poll(() => received.filter((b) => b.alert?.subject === queue).map((b) => b.alert!.state), { timeout: 30_000 }).toEqual(['firing', 'resolved']);
  // One episode: fired once, resolved once.
  expect((await shown(page)).filter((n) => n.title.endsWith('backed up'))).toHaveLength(2);
  await page.screenshot({ path: `${SHOTS}/alerts-resolved.png`, fullPage: true });
});

test('a rule is edited, disabled and deleted through the page', async ({ page }) => {
  type View = { rules: unknown[]; delivery: { desktop: boolean }; version: string };
  const config = (await callContract('alerts:config', {})) as View;
  const rule = { id: 'slow-queue', name: 'slow queue', enabled: true, kind: 'queue-depth', queue: uniqueName('slow'), depth: 10 };
  const keep = { webhookUrl: { keep: true }, desktop: config.delivery.desktop };
  await callContract('alerts:setConfig', { rules: [...config.rules, rule], delivery: keep, version: config.version });
  await page.goto(`${url}#/alerts`);
  const row = page.getByRole('table', { name: 'alert rules' }).locator('tr[data-rule="slow-queue"]');
  await expect(row).toBeVisible();

  // Another tab adds a rule after this page read the config: the page's next change is refused,
  // the config read again (the other rule kept and shown), and made again on it.
  const elsewhere = { ...rule, id: 'other-tab', name: 'other tab', queue: uniqueName('other') };
  const read = (await callContract('alerts:config', {})) as View;
  await callContract('alerts:setConfig', { rules: [...read.rules, elsewhere], delivery: keep, version: read.version });
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(page.getByText(/The rules changed elsewhere .*reloaded; apply your change again/)).toBeVisible();
  const otherRow = page.getByRole('table', { name: 'alert rules' }).locator('tr[data-rule="other-tab"]');
  await expect(otherRow).toBeVisible();
  await expect(row).not.toContainText('(disabled)');
  page.once('dialog', (d) => void d.accept());
  await otherRow.getByRole('button', { name: 'Delete' }).click();
  await expect(otherRow).toHaveCount(0);
  await page.getByRole('status').filter({ hasText: 'Rule deleted.' }).getByRole('button', { name: 'dismiss' }).click();
  await expect(page.getByText('Rule deleted.')).toHaveCount(0);

  await row.getByRole('button', { name: 'Edit' }).click();
  const form = page.getByRole('form', { name: 'alert rule' });
  await expect(form.getByLabel('Kind')).toBeDisabled(); // a saved rule keeps its kind
  await form.getByLabel(/Holding at least/).fill('50');
  await form.getByRole('button', { name: 'Save rule' }).click();
  await expect(page.getByText('Rule saved.')).toBeVisible();
  await expect(row).toContainText('holding 50 messages or more');
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(row).toContainText('(disabled)');
  expect(((await callContract('alerts:config', {})) as typeof config).rules).toContainEqual({ ...rule, depth: 50, enabled: false });
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByText('Rule deleted.')).toBeVisible();
  expect(((await callContract('alerts:config', {})) as typeof config).rules).toEqual(config.rules);
});

test('a read-only room shows the rules and says why they cannot be changed here', async ({ page }) => {
  const watcher = await startServe(['-b', redis.url, '--no-pool', '--read-only']);
  try {
    await page.goto(`${watcher.url}#/alerts`);
    await expect(page.getByTestId('alerts-read-only')).toContainText('read-only');
    await expect(page.getByRole('button', { name: 'Add rule' })).toBeDisabled();
    await expect(page.getByRole('form', { name: 'alert delivery' }).getByLabel(/Desktop notification/)).toBeDisabled();
    await expect(page.getByRole('form', { name: 'alert delivery' }).getByLabel(/Webhook/)).toBeDisabled();
  } finally {
    await stopServe(watcher.process);
  }
});
