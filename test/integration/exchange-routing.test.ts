/**
 * Messages for a named exchange, delivered as kombu's Redis transport delivers them: through
 * the `_kombu.binding.<exchange>` table (direct: every queue bound with the key; topic: kombu's
 * stored patterns), a fanout PUBLISHed on `/<db>.<exchange>`, and a canvas follow-up sent once.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { createApp } from '../../src-main/core/app.js';
import { Publisher } from '../../src-main/core/broker/publisher.js';
import { chain } from '../../src-main/core/canvas/signature.js';
import { buildTaskMessage } from '../../src-main/core/protocol/build.js';
import { decodeTaskMessage } from '../../src-main/core/protocol/decode.js';
import { bindingKey, bindingMember } from '../../src-main/core/keys.js';
import { useRedisSuite, type Suite } from '../helpers/suite.js';
import { uniqueName } from '../helpers/redis-server.js';

let suite: Suite;
let redis: Redis;
useRedisSuite((s) => ({ redis } = suite = s));

const popDecoded = async (queue: string) => {
  const raw = await redis.rpop(queue);
  if (raw === null) return null;
  const d = decodeTaskMessage(raw);
  if (!d.ok) throw d.error;
  return d.message;
};

describe('sending to a named exchange', () => {
  it('pushes a direct message onto every queue bound with its routing key; delivery_info keeps the exchange and key', async () => {
    const ex = uniqueName('ex');
    const [a, b, other] = [uniqueName('a'), uniqueName('b'), uniqueName('c')];
    await redis.sadd(bindingKey(ex), bindingMember('rk', a), bindingMember('rk', b), bindingMember('other', other));
    const app = createApp({ broker: suite.server.url });
    try {
      const r = await app.sendTask('tasks.add', [1, 2], {}, { exchange: ex, routingKey: 'rk', priority: 0 });
      for (const q of [a, b]) expect(await popDecoded(q)).toMatchObject({ id: r.id, exchange: ex, routingKey: 'rk' });
      expect(await redis.llen(other)).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('routes through taskRoutes to a topic exchange by the patterns kombu stored', async () => {
    const ex = uniqueName('news');
    const [all, sport] = [uniqueName('all'), uniqueName('sport')];
    await redis.sadd(bindingKey(ex), bindingMember('news.#', all, '^news\\..*?$'), bindingMember('*.sport', sport, '^.*?[^\\.]\\.sport$'));
    const app = createApp({ broker: suite.server.url, taskRoutes: { 'feed.*': { exchange: ex, exchangeType: 'topic', routingKey: 'news.weather' } } });
    try {
      const r = await app.sendTask('feed.update', []);
      expect(await popDecoded(all)).toMatchObject({ id: r.id, exchange: ex, routingKey: 'news.weather' });
      expect(await redis.llen(sport)).toBe(0);
    } finally {
      await app.close();
    }
  });

  it("publishes a fanout message on kombu's channel, to whoever listens", async () => {
    const ex = uniqueName('bcast');
    const app = createApp({ broker: suite.server.url, taskRoutes: { 'tasks.ping': { exchange: ex, exchangeType: 'fanout' } } });
    const sub = suite.server.client();
    try {
      const got = new Promise<[string, string]>((resolve) => sub.on('message', (channel: string, message: string) => resolve([channel, message])));
      // fanout_patterns: the routing key (here the default queue's name) is part of the channel.
      await sub.subscribe(`/0.${ex}/celery`);
      const r = await app.sendTask('tasks.ping', []);
      const [channel, message] = await got;
      expect(channel).toBe(`/0.${ex}/celery`);
      const d = decodeTaskMessage(message);
      expect(d.ok && d.message.id).toBe(r.id);
    } finally {
      await sub.quit();
      await app.close();
    }
  });

  it('sends a bulk of routed calls, those for an exchange through its bindings', async () => {
    const ex = uniqueName('ex');
    const [q, plain] = [uniqueName('q'), uniqueName('plain')];
    await redis.sadd(bindingKey(ex), bindingMember('rk', q));
    const app: App = createApp({ broker: suite.server.url, defaultQueue: plain, taskRoutes: [(name) => (name === 'tasks.routed' ? { exchange: ex, routingKey: 'rk' } : undefined)] });
    try {
      await app.sendMany([{ name: 'tasks.routed' }, { name: 'tasks.other' }, { name: 'tasks.routed' }]);
      expect(await redis.llen(q)).toBe(2);
      expect(await redis.llen(plain)).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('writes the record of a task sent through an exchange when records are on', async () => {
    const ex = uniqueName('ex');
    const q = uniqueName('q');
    await redis.sadd(bindingKey(ex), bindingMember('rk', q));
    const app = createApp({ broker: suite.server.url, taskRecords: true });
    try {
      const r = await app.sendTask('tasks.add', [1, 1], {}, { exchange: ex, routingKey: 'rk' });
      expect(await redis.llen(q)).toBe(1);
      expect(await redis.hexists('celeriac:records', r.id)).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('routes a registered task that declares no queue, its signatures and chains; a declared queue wins as in Celery', async () => {
    const [routed, own] = [uniqueName('routed'), uniqueName('own')];
    const app = createApp({ broker: suite.server.url, taskRoutes: { 'r.*': routed } });
    try {
      const plain = app.task('r.plain', () => 1);
      const declared = app.task('r.declared', { queue: own }, () => 2);
      await plain.delay();
      await chain(plain.s(), declared.s()).applyAsync();
      await declared.delay();
      expect(await redis.llen(routed)).toBe(2);
      expect(await redis.llen(own)).toBe(1);
    } finally {
      await app.close();
    }
  });

  it("sends a canvas follow-up through an exchange once per task id, onto every bound queue", async () => {
    const ex = uniqueName('ex');
    const [a, b] = [uniqueName('a'), uniqueName('b')];
    await redis.sadd(bindingKey(ex), bindingMember('rk', a), bindingMember('rk', b));
    const publisher = new Publisher(redis);
    const msg = buildTaskMessage('tasks.add', [1, 2], {}, { exchange: ex, routingKey: 'rk' }, { origin: 'test', replyTo: 'r' });
    expect(await publisher.publishOnce(msg)).toBe(true);
    expect(await publisher.publishOnce(msg)).toBe(false);
    expect([await redis.llen(a), await redis.llen(b)]).toEqual([1, 1]);
  });
});
