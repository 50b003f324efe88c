/**
 * Edit and resend against a Celeriac worker: a task that failed because of its arguments, sent
 * again with new ones as a new task (a new id, linked both ways in the history, the original
 * left failed) or in place (the same id, retries + 1); and a kept message's wire format kept.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { ok } from '../helpers/contract.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

let redis: Redis;
let app: App;
useRedisSuite((s) => ({ redis, app } = s), { app: { taskRecords: true }, worker: { concurrency: 1, name: 'resend@test', queues: ['celery', 'resendq'] } });

/** A connection's service whose history is a file (links are kept there). */
async function withService(run: (svc: ConnectionService) => Promise<void>): Promise<void> {
  const svc = new ConnectionService(app, undefined, { historyPath: join(mkdtempSync(join(tmpdir(), 'celeriac-resend-')), 'history.db') });
  await svc.start();
  try {
    await run(svc);
  } finally {
    await svc.stop();
  }
}

/** greet(5, 1, 'loud') fails (a number has no toUpperCase): a failure caused by its arguments. */
async function failedGreet(queue = 'resendq'): Promise<string> {
  const sent = await app.sendTask('tasks.greet', [5, 1, 'loud'], {}, { queue });
  await sent.get({ timeout: 10_000 }).catch(() => undefined);
  return sent.id;
}

describe('edit and resend (Celeriac worker)', () => {
  it('drafts a failed task from its kept message: its call, queue and why it can be retried in place', async () => {
    await withService(async (svc) => {
      const id = await failedGreet();
      const draft = await ok(svc.call('tasks:resendDraft', { id }));
      expect(draft).toMatchObject({ id, name: 'tasks.greet', args: [5, 1, 'loud'], kwargs: {}, from: 'message', queue: 'resendq', priority: 0, serializer: 'json', argumentsUnknown: null, inPlaceRefused: null });
      expect(await ok(svc.call('tasks:resendDraft', { id: 'no-such-task' }))).toMatchObject({ name: null, args: null, argumentsUnknown: { code: 'unknown_task' } });
    });
  });

  it('sends it as a new task with new arguments: it succeeds, the original stays failed, both pages link the other', async () => {
    await withService(async (svc) => {
      const id = await failedGreet();
      const sent = await ok(svc.call('tasks:resend', { id, args: ['ann', 2, 'loud'], kwargs: {}, mode: 'new' }));
      expect(sent).toMatchObject({ mode: 'new', queue: 'resendq' });
      expect(sent.id).not.toBe(id);
      expect(await app.asyncResult(sent.id).get({ timeout: 10_000 })).toBe('HELLO, ANN! HELLO, ANN!');
      const original = await ok(svc.call('tasks:get', { id }));
      expect(original.state).toBe('FAILURE');
      expect(original.links?.resentAs.map((l) => [l.to, l.mode])).toEqual([[sent.id, 'new']]);
      await until(async () => (await ok(svc.call('tasks:get', { id: sent.id }))).state === 'SUCCESS');
      const resent = await ok(svc.call('tasks:get', { id: sent.id }));
      expect(resent.links?.resentFrom).toMatchObject({ from: id, to: sent.id, mode: 'new' });
      expect(resent.history).toMatchObject({ queue: 'resendq', name: 'tasks.greet' });
    });
  });

  it('retries it in place with the edits: the same id, retries + 1, on the queue chosen', async () => {
    await withService(async (svc) => {
      const id = await failedGreet();
      expect(await ok(svc.call('tasks:resend', { id, args: ['bo', 1, 'plain'], kwargs: {}, queue: 'celery', mode: 'in-place' }))).toEqual({ id, mode: 'in-place', queue: 'celery' });
      expect(await app.asyncResult(id).get({ timeout: 10_000 })).toBe('Hello, bo!');
      await until(async () => (await ok(svc.call('tasks:get', { id }))).state === 'SUCCESS');
      const page = await ok(svc.call('tasks:get', { id }));
      expect(page.record).toMatchObject({ retries: 1, queue: 'celery' });
      expect(page.links?.editedInPlace).toHaveLength(1);
      expect(page.links?.resentAs).toEqual([]);
      // Retried in place once it succeeded: refused (a second run under its id).
      const again = await svc.call('tasks:resend', { id, args: ['bo', 1, 'plain'], kwargs: {}, mode: 'in-place' });
      expect(again.ok || again.error.message).toMatch(/cannot be retried in place: it is SUCCESS/);
    });
  });

  it("keeps a kept message's serializer and compression in the new task, on the queue chosen, with its priority and countdown", async () => {
    await withService(async (svc) => {
      const queue = uniqueName('unconsumed');
      const original = await app.sendTask('tasks.add', [1, 2], {}, { queue, serializer: 'msgpack', compression: 'gzip' });
      const draft = await ok(svc.call('tasks:resendDraft', { id: original.id }));
      expect(draft).toMatchObject({ from: 'message', serializer: 'msgpack', args: [1, 2], queue });
      const target = uniqueName('elsewhere');
      const sent = await ok(svc.call('tasks:resend', { id: original.id, args: [3, 4], kwargs: {}, queue: target, priority: 0, countdown: 60, mode: 'new' }));
      const [raw] = await redis.lrange(target, 0, -1);
      const envelope = JSON.parse(raw!) as { 'content-type': string; headers: Record<string, unknown>; properties: { delivery_info: { routing_key: string } } };
      expect(envelope).toMatchObject({ 'content-type': 'application/x-msgpack', headers: { id: sent.id, task: 'tasks.add', compression: 'application/x-gzip', argsrepr: '(3, 4)', retries: 0 }, properties: { delivery_info: { routing_key: target } } });
      expect(typeof envelope.headers.eta).toBe('string');
      // The original is still waiting, untouched.
      expect(await redis.llen(queue)).toBe(1);
    });
  });

  it('refuses in place what a retry refuses (a task that has not failed), but sends it as a new task', async () => {
    await withService(async (svc) => {
      const waiting = await app.sendTask('tasks.add', [1, 2], {}, { queue: uniqueName('waiting') });
      expect((await ok(svc.call('tasks:resendDraft', { id: waiting.id }))).inPlaceRefused).toMatchObject({ code: 'not_failed' });
      const refused = await svc.call('tasks:resend', { id: waiting.id, args: [2, 2], kwargs: {}, mode: 'in-place' });
      expect(refused.ok || refused.error.message).toMatch(/cannot be retried in place: it is PENDING/);
      const sent = await ok(svc.call('tasks:resend', { id: waiting.id, args: [2, 2], kwargs: {}, queue: 'celery', mode: 'new' }));
      expect(await app.asyncResult(sent.id).get({ timeout: 10_000 })).toBe(4);
    });
  });
});
