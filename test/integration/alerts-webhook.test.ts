/**
 * Alert delivery to a webhook (a local HTTP receiver on 127.0.0.1): the fired and resolved
 * episodes arrive as Slack-compatible bodies; a receiver that fails (HTTP 500) or does not
 * answer is retried with backoff in the background, while the history goes on taking the
 * cluster's events; the test message answers at once with what came back.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import type { AlertRule } from '../../src-main/service/contract/index.js';
import { WebhookSender } from '../../src-main/service/alerts/webhook-sender.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { ok } from '../helpers/contract.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

let redis: Redis;
let app: App;
useRedisSuite((s) => ({ redis, app } = s), { app: { taskRecords: true }, worker: { concurrency: 2, name: 'ts@webhook', events: true } });

interface Received {
  body: { text: string; alert?: { id: string; state: string; subject: string; summary: string } };
  at: number;
}

/** A receiver on 127.0.0.1 that answers each request as `answer` says (a status, or 'hang': no answer at all). */
async function receiver(answer: (n: number) => number | 'hang'): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      received.push({ body: JSON.parse(text) as Received['body'], at: Date.now() });
      const a = answer(received.length);
      if (a === 'hang') return; // the socket stays open: the sender's timeout ends it
      res.writeHead(a, { 'content-type': 'text/plain' }).end(a === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T000/B000/secret`, received, server };
}

const servers: Server[] = [];
const services: ConnectionService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A service evaluating a queue-depth rule on a queue of its own, delivering to `url`. */
async function watchingQueue(url: string, queue: string): Promise<ConnectionService> {
  const svc = new ConnectionService(app, undefined, { alerts: { intervalMs: 100, webhook: { timeoutMs: 300, backoffMs: 100, maxBackoffMs: 400, attempts: 100 } } });
  services.push(svc);
  await svc.start();
  const rule: AlertRule = { id: 'deep', name: '', enabled: true, kind: 'queue-depth', queue, depth: 1 };
  await ok(svc.call('alerts:setConfig', { rules: [rule], delivery: { webhookUrl: url, desktop: false }, version: (await ok(svc.call('alerts:config', {}))).version }));
  return svc;
}

describe('alert webhooks', () => {
  it('posts the fired and the resolved episode as Slack-compatible bodies', async () => {
    const hook = await receiver(() => 200);
    servers.push(hook.server);
    const queue = uniqueName('hooked');
    const svc = await watchingQueue(hook.url, queue);
    await app.sendTask('tasks.add', [1, 1], {}, { queue });
    await until(() => hook.received.length === 1);
    await redis.del(queue);
    await until(() => hook.received.length === 2);
    const [fired, resolved] = hook.received.map((r) => r.body);
    expect(fired).toEqual({ text: `Alert firing: queue ${queue} holds 1 waiting messages (rule: 1 or more)`, alert: expect.objectContaining({ ruleId: 'deep', kind: 'queue-depth', subject: queue, state: 'firing', resolvedAt: null }) });
    expect(resolved).toEqual({ text: expect.stringMatching(new RegExp(`^Alert resolved after \\d+ s: queue ${queue} holds 1`)), alert: expect.objectContaining({ id: fired!.alert!.id, state: 'resolved', resolvedAt: expect.any(Number) }) });
    await until(async () => (await ok(svc.call('alerts:list', {}))).webhook.delivered === 2);
    expect((await ok(svc.call('alerts:list', {}))).webhook).toMatchObject({ url: `${new URL(hook.url).origin}/…`, pending: 0, delivered: 2, failed: 0, dropped: 0, lastError: null, lastDeliveredAt: expect.any(Number) });
  });

  it('retries a receiver that answers HTTP 500, with growing waits, until it takes the message', async () => {
    const hook = await receiver((n) => (n <= 3 ? 500 : 200));
    servers.push(hook.server);
    const queue = uniqueName('flaky');
    const svc = await watchingQueue(hook.url, queue);
    await app.sendTask('tasks.add', [1, 1], {}, { queue });
    await until(() => hook.received.length === 4);
    expect(new Set(hook.received.map((r) => r.body.alert!.id)).size).toBe(1);
    const gaps = hook.received.slice(1).map((r, i) => r.at - hook.received[i]!.at);
    // Waits of 100, 200 and 400 ms at least (the backoff doubles; the timer never fires early).
    expect(gaps.map((g, i) => g >= 100 * 2 ** i - 5)).toEqual([true, true, true]);
    await until(async () => (await ok(svc.call('alerts:list', {}))).webhook.delivered === 1);
    expect((await ok(svc.call('alerts:list', {}))).webhook).toMatchObject({ delivered: 1, failed: 0, lastError: expect.stringContaining('HTTP 500') });
  });

  it('keeps taking the cluster events while a receiver hangs, and delivers once it answers', async () => {
    let hanging = true;
    const hook = await receiver(() => (hanging ? 'hang' : 200));
    servers.push(hook.server);
    const queue = uniqueName('hung');
    const svc = await watchingQueue(hook.url, queue);
    await app.sendTask('tasks.add', [1, 1], {}, { queue });
    await until(() => hook.received.length >= 2); // a try timed out and was tried again
    // Meanwhile a task runs and ends: the history has it while the webhook still waits.
    const during = await app.sendTask('tasks.add', [20, 22]);
    expect(await during.get({ timeout: 10_000 })).toBe(42);
    await until(async () => (await ok(svc.call('tasks:search', { query: '' }))).tasks.some((t) => t.id === during.id && t.state === 'SUCCESS'));
    const meanwhile = (await ok(svc.call('alerts:list', {}))).webhook;
    expect(meanwhile).toMatchObject({ pending: 1, delivered: 0, lastError: expect.stringContaining('no answer within 0.3 s') });
    expect(meanwhile.lastError).not.toContain('secret'); // a Slack webhook's path is its secret
    hanging = false;
    await until(async () => (await ok(svc.call('alerts:list', {}))).webhook.delivered === 1);
  });

  it('gives up after its tries, counts it, and goes on to the next message', async () => {
    const hook = await receiver((n) => (n <= 3 ? 500 : 200));
    servers.push(hook.server);
    const queue = uniqueName('broken');
    const svc = new ConnectionService(app, undefined, { alerts: { intervalMs: 100, webhook: { timeoutMs: 300, backoffMs: 50, attempts: 3 } } });
    services.push(svc);
    await svc.start();
    await ok(svc.call('alerts:setConfig', { rules: [{ id: 'deep', name: '', enabled: true, kind: 'queue-depth', queue, depth: 1 }], delivery: { webhookUrl: hook.url, desktop: false }, version: (await ok(svc.call('alerts:config', {}))).version }));
    await app.sendTask('tasks.add', [1, 1], {}, { queue });
    await until(async () => (await ok(svc.call('alerts:list', {}))).webhook.failed === 1);
    expect((await ok(svc.call('alerts:list', {}))).webhook.lastError).toMatch(/^gave up after 3 tries: HTTP 500/);
    await redis.del(queue);
    await until(async () => (await ok(svc.call('alerts:list', {}))).webhook.delivered === 1);
    expect(hook.received.map((r) => r.body.alert!.state)).toEqual(['firing', 'firing', 'firing', 'resolved']);
  });

  it('keeps a bounded queue: past it the oldest waiting message is dropped, counted and said, and the one in flight is kept', async () => {
    let hanging = true;
    const hook = await receiver(() => (hanging ? 'hang' : 200));
    servers.push(hook.server);
    const sender = new WebhookSender({ timeoutMs: 300, backoffMs: 50, maxBackoffMs: 100, attempts: 1000, maxPending: 3 });
    try {
      for (let i = 0; i < 6; i++) sender.enqueue(hook.url, { text: `message ${i}` });
      expect(sender.status(hook.url)).toMatchObject({ pending: 3, dropped: 3, lastError: expect.stringContaining('the oldest waiting one was dropped') });
      hanging = false;
      await until(() => sender.status(hook.url).delivered === 3);
      expect(hook.received.map((r) => r.body.text).filter((t, i, all) => all.indexOf(t) === i)).toEqual(['message 0', 'message 4', 'message 5']);
    } finally {
      sender.stop();
    }
  });

  it("delivers to a receiver whose answer's body never ends, without reading it", async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const more = setInterval(() => res.write('x'.repeat(64 * 1024)), 10);
        res.on('close', () => clearInterval(more));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    const sender = new WebhookSender({ timeoutMs: 60_000 });
    try {
      sender.enqueue(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, { text: 'endless' });
      await until(() => sender.status(null).delivered === 1);
    } finally {
      sender.stop();
    }
  });

  it('gives up at once on a 4xx other than 408 and 429, counts it and says why, and goes on to the next message', async () => {
    const hook = await receiver((n) => (n === 1 ? 404 : 200));
    servers.push(hook.server);
    const sender = new WebhookSender({ backoffMs: 50, attempts: 100 });
    try {
      sender.enqueue(hook.url, { text: 'refused' });
      sender.enqueue(hook.url, { text: 'taken' });
      await until(() => sender.status(null).delivered === 1);
      expect(hook.received.map((r) => r.body.text)).toEqual(['refused', 'taken']);
      expect(sender.status(null)).toMatchObject({ failed: 1, lastError: expect.stringMatching(/^gave up at once: HTTP 404 .*refuses the message/) });
    } finally {
      sender.stop();
    }
  });

  it("waits as a 429's Retry-After says, up to its longest wait", async () => {
    const at: number[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        at.push(Date.now());
        if (at.length === 1) res.writeHead(429, { 'retry-after': '1' }).end();
        else if (at.length === 2) res.writeHead(503, { 'retry-after': '3600' }).end();
        else res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    const sender = new WebhookSender({ backoffMs: 10, maxBackoffMs: 1500, attempts: 10 });
    try {
      sender.enqueue(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, { text: 'slow down' });
      await until(() => sender.status(null).delivered === 1);
      expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(995); // Retry-After: 1, not the 10 ms backoff
      expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1495); // Retry-After: 3600, cut to the longest wait
    } finally {
      sender.stop();
    }
  });

  it('drops, and counts, a message waiting for an address that is no longer configured', async () => {
    const hook = await receiver(() => 500);
    servers.push(hook.server);
    let configured = hook.url;
    const sender = new WebhookSender({ backoffMs: 50, maxBackoffMs: 50, attempts: 1000 }, (url) => url === configured);
    try {
      sender.enqueue(hook.url, { text: 'old' });
      await until(() => hook.received.length >= 2);
      configured = 'http://127.0.0.1:1/elsewhere';
      await until(() => sender.status(null).dropped === 1);
      expect(sender.status(null)).toMatchObject({ pending: 0, failed: 0, lastError: expect.stringContaining('no longer the configured webhook') });
      expect(sender.status(null).lastError).not.toContain('secret');
    } finally {
      sender.stop();
    }
  });

  it('sends what waits when stopped, for a bounded time, and takes nothing more', async () => {
    const hook = await receiver(() => 200);
    servers.push(hook.server);
    const sender = new WebhookSender({ drainMs: 10_000 });
    for (let i = 0; i < 3; i++) sender.enqueue(hook.url, { text: `message ${i}` });
    await sender.stop();
    sender.enqueue(hook.url, { text: 'after' });
    expect(hook.received.map((r) => r.body.text)).toEqual(['message 0', 'message 1', 'message 2']);
    expect(sender.status(null)).toMatchObject({ delivered: 3, pending: 0 });
  });

  it('stops within its drain time when the receiver does not answer, and gives back what waits', async () => {
    const hook = await receiver(() => 'hang');
    servers.push(hook.server);
    const sender = new WebhookSender({ timeoutMs: 600_000, drainMs: 100 });
    sender.enqueue(hook.url, { text: 'stuck' });
    await until(() => hook.received.length === 1);
    // Would wait for the 10 min timeout without the bound.
    expect(await sender.stop()).toEqual([{ url: hook.url, body: JSON.stringify({ text: 'stuck' }) }]);
    expect(sender.status(null).pending).toBe(0);
  });

  it('keeps what waits at a stop beside the episodes, and sends it when the connection starts again', async () => {
    let hanging = true;
    const hook = await receiver(() => (hanging ? 'hang' : 200));
    servers.push(hook.server);
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-pending-'));
    const queue = uniqueName('kept');
    const options = { alerts: { config: { settingsPath: join(dir, 'settings.json'), profileId: 'p1' }, episodesPath: join(dir, 'alerts', 'p1.json'), intervalMs: 100, webhook: { timeoutMs: 600_000, drainMs: 100 } } };
    const first = new ConnectionService(app, undefined, options);
    await first.start();
    const { version } = await ok(first.call('alerts:config', {}));
    await ok(first.call('alerts:setConfig', { rules: [{ id: 'deep', name: '', enabled: true, kind: 'queue-depth', queue, depth: 1 }], delivery: { webhookUrl: hook.url, desktop: false }, version }));
    await app.sendTask('tasks.add', [1, 1], {}, { queue });
    await until(() => hook.received.length === 1);
    await first.stop();
    expect(existsSync(join(dir, 'alerts', 'p1.webhook-pending.json'))).toBe(true);
    hanging = false;
    const again = new ConnectionService(app, undefined, options);
    services.push(again);
    await again.start();
    await until(async () => (await ok(again.call('alerts:list', {}))).webhook.delivered === 1);
    expect(hook.received.map((r) => [r.body.alert!.state, r.body.alert!.id])).toEqual([['firing', hook.received[0]!.body.alert!.id], ['firing', hook.received[0]!.body.alert!.id]]);
    expect(existsSync(join(dir, 'alerts', 'p1.webhook-pending.json'))).toBe(false);
    await redis.del(queue);
  });

  it('sends a test message at once and says what the receiver answered', async () => {
    const good = await receiver(() => 200);
    const bad = await receiver(() => 404);
    servers.push(good.server, bad.server);
    const svc = await watchingQueue(good.url, uniqueName('unused'));
    expect(await ok(svc.call('alerts:testWebhook', {}))).toEqual({ ok: true, status: 200, message: 'delivered (HTTP 200)' });
    expect(good.received[0]!.body).toMatchObject({ text: expect.stringContaining('test message'), test: true });
    expect(await ok(svc.call('alerts:testWebhook', { url: bad.url }))).toEqual({ ok: false, status: 404, message: 'HTTP 404' });
    expect(await svc.call('alerts:testWebhook', { url: 'ftp://example.com/x' })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
  });
});
