/** What the workers hold (kombu's `unacked`), listed decoded with its owner and claim age. */
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { heldMessages, routingKeyOf } from '../../src-main/core/broker/held-messages.js';
import { MAX_MESSAGE_BYTES } from '../../src-main/core/protocol/limits.js';
import type { Worker } from '../../src-main/core/worker/worker.js';
import type { HeldByWorkersPage } from '../../src-main/service/contract/index.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { ok } from '../helpers/contract.js';
import { rawEnvelope } from '../helpers/fixtures.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';
import { startWorker } from '../helpers/worker.js';

let redis: Redis;
let app: App;
let server: { url: string };
useRedisSuite((s) => ({ redis, app, server } = s));

/** A claim written as kombu writes it, claimed `ageSeconds` ago. */
async function kombuClaim(tag: string, envelope: string, routingKey: string, ageSeconds: number): Promise<void> {
  await redis.hset('unacked', tag, `[${envelope}, "${routingKey}", "${routingKey}"]`);
  await redis.zadd('unacked_index', Date.now() / 1000 - ageSeconds, tag);
}

describe('held messages', () => {
  let worker: Worker | undefined;
  let svc: ConnectionService | undefined;
  afterAll(async () => {
    await svc?.stop();
    await worker?.stop(true);
  });

  it('lists a claim decoded, oldest first, with its age, and flags one older than the visibility timeout', async () => {
    const queue = uniqueName('heldq');
    const py = JSON.parse(rawEnvelope('task-message.json')) as { headers: { id: string; task: string } };
    await kombuClaim('tag-old', JSON.stringify(py), queue, 4000);
    await kombuClaim('tag-new', JSON.stringify({ ...py, headers: { ...py.headers, id: 'other-id' } }), queue, 10);
    await kombuClaim('tag-elsewhere', JSON.stringify(py), 'somewhere-else', 5);
    await redis.hset('unacked', 'tag-bad', `["not an envelope", "", "${queue}"]`);
    await redis.zadd('unacked_index', Date.now() / 1000 - 1, 'tag-bad');
    const page = await heldMessages(redis, { queue, offset: 0, limit: 10, visibilityTimeout: 3600 });
    expect(page.total).toBe(3);
    expect(page.capped).toBe(false);
    expect(page.messages.map((m) => m.tag)).toEqual(['tag-old', 'tag-new', 'tag-bad']);
    expect(page.messages[0]).toMatchObject({ id: py.headers.id, task: py.headers.task, queue, overdue: true, problem: null });
    expect(page.messages[0]!.ageSeconds).toBeGreaterThanOrEqual(4000);
    expect(page.messages[1]).toMatchObject({ id: 'other-id', overdue: false });
    expect(page.messages[2]).toMatchObject({ id: null, queue, problem: expect.stringMatching(/^not_an_envelope/) });
    const second = await heldMessages(redis, { queue, offset: 1, limit: 1, visibilityTimeout: 3600 });
    expect(second.messages.map((m) => m.tag)).toEqual(['tag-new']);
    const all = await heldMessages(redis, { offset: 0, limit: 10, visibilityTimeout: 3600 });
    expect(all.total).toBe(4);
    await redis.del('unacked', 'unacked_index');
  });

  it('says an entry past the message size limit is too large, without parsing it', async () => {
    const queue = uniqueName('heldbig');
    // Parsed, it would be listed as not an envelope: too large, it is never parsed.
    await redis.hset('unacked', 'tag-big', `["${'x'.repeat(MAX_MESSAGE_BYTES)}", "", "${queue}"]`);
    await redis.zadd('unacked_index', Date.now() / 1000, 'tag-big');
    const page = await heldMessages(redis, { queue, offset: 0, limit: 10, visibilityTimeout: 3600 });
    expect(page.messages).toHaveLength(1);
    expect(page.messages[0]).toMatchObject({ tag: 'tag-big', id: null, task: null, queue, problem: expect.stringMatching(/^too_large/) });
    await redis.del('unacked', 'unacked_index');
  });

  it('reads an entry\'s routing key from its tail, escapes included', () => {
    expect(routingKeyOf('[{"a": "x\\"]"}, "ex", "q\\"uote"]')).toBe('q"uote');
    expect(routingKeyOf('[{}, "", "celery"]')).toBe('celery');
    expect(routingKeyOf('nonsense')).toBeNull();
  });

  it('lists what a Celeriac worker holds with the worker as its owner', async () => {
    const queue = uniqueName('heldcel');
    worker = await startWorker(server.url, { queues: [queue], concurrency: 1, name: `held-${queue}@test` });
    svc = new ConnectionService(app);
    await svc.start();
    const sent = await app.sendTask('tasks.sleep', [60_000], {}, { queue });
    let held: HeldByWorkersPage | undefined;
    await until(async () => {
      held = await ok(svc!.call('queues:held', { queue }));
      return held.messages[0]?.owner != null;
    }, 20_000);
    expect(held!.total).toBe(1);
    expect(held!.messages[0]).toMatchObject({ id: sent.id, task: 'tasks.sleep', argsrepr: '(60000,)', queue, owner: `held-${queue}@test`, overdue: false });
    expect(held!.messages[0]!.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(held!.visibilityTimeout).toBe(3600);
  });
});
