import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { useRedisSuite } from '../helpers/suite.js';
import { decodeTaskMessage } from '../../src-main/core/protocol/decode.js';
import { NotSerializableError } from '../../src-main/core/errors.js';
import { uniqueName } from '../helpers/redis-server.js';

const SEP = '\x06\x16';

let redis: Redis;
let app: App;
useRedisSuite((s) => ({ redis, app } = s));

async function popDecoded(key: string) {
  const raw = await redis.rpop(key);
  expect(raw).not.toBeNull();
  const r = decodeTaskMessage(raw!);
  if (!r.ok) throw r.error;
  return r.message;
}

describe('publishing as kombu does', () => {
  it('LPUSHes delay() onto the queue and binds the queue once', async () => {
    const queue = uniqueName();
    const add = app.task(`tasks.add.${queue}`, { queue }, (x: number, y: number) => x + y);
    const r = await add.delay(2, 3);
    expect(await redis.llen(queue)).toBe(1);
    expect(await redis.smembers(`_kombu.binding.${queue}`)).toEqual([`${queue}${SEP}${SEP}${queue}`]);
    const msg = await popDecoded(queue);
    expect(msg).toMatchObject({ id: r.id, task: add.name, args: [2, 3], kwargs: {}, routingKey: queue, exchange: '' });
  });

  it('puts priorities on kombu\'s priority lists, served 0 first', async () => {
    const queue = uniqueName();
    for (const priority of [9, 0, 5, 3, 6, 1]) await app.sendTask('t', [priority], {}, { queue, priority });
    expect(await redis.llen(queue)).toBe(2);
    expect(await redis.llen(`${queue}${SEP}3`)).toBe(2);
    expect(await redis.llen(`${queue}${SEP}6`)).toBe(1);
    expect(await redis.llen(`${queue}${SEP}9`)).toBe(1);
    expect(await app.queueLength(queue)).toBe(6);
    // BRPOP over the lists in kombu's order gives kombu's service order.
    const order: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      const [, raw] = (await redis.brpop(queue, `${queue}${SEP}3`, `${queue}${SEP}6`, `${queue}${SEP}9`, 1))!;
      const r = decodeTaskMessage(raw);
      if (r.ok) order.push(r.message.args[0]);
    }
    expect(order).toEqual([0, 1, 5, 3, 6, 9]);
  });

  it('lets call options override the task\'s declared ones', async () => {
    const declared = uniqueName();
    const other = uniqueName();
    const t = app.task(`tasks.opts.${declared}`, { queue: declared, priority: 3, ignoreResult: true, timeLimit: 9 }, () => 1);
    await t.applyAsync([], {}, { queue: other, countdown: 10, expires: 60 });
    const msg = await popDecoded(`${other}${SEP}3`);
    expect(msg).toMatchObject({ routingKey: other, priority: 3, ignoreResult: true, timelimit: [9, null] });
    expect(Date.parse(msg.eta!) - Date.now()).toBeGreaterThan(8_000);
    expect(Date.parse(msg.expires!) - Date.parse(msg.eta!)).toBeGreaterThan(45_000);
  });

  it('sends tasks only another worker knows with sendTask, kwargs included', async () => {
    const queue = uniqueName();
    const r = await app.sendTask('proj.tasks.mul', [2], { y: 3 }, { queue });
    expect(await popDecoded(queue)).toMatchObject({ id: r.id, task: 'proj.tasks.mul', args: [2], kwargs: { y: 3 }, kwargsrepr: "{'y': 3}" });
  });

  it('refuses arguments that are not JSON before anything is sent', async () => {
    const queue = uniqueName();
    const t = app.task(`tasks.bad.${queue}`, { queue }, (x: unknown) => x);
    const cyclic: Record<string, unknown> = {};
    cyclic.me = cyclic;
    await expect(t.delay(() => 1)).rejects.toThrow(NotSerializableError);
    await expect(t.delay(10n)).rejects.toThrow(/BigInt/);
    await expect(t.delay(cyclic)).rejects.toThrow(/cycle/);
    await expect(t.delayMany([[1], [Symbol('x')]])).rejects.toThrow(/args\[0\] is a symbol/);
    expect(await redis.exists(queue)).toBe(0);
  });

  it('sends thousands of messages in one pipeline, in order, across priority lists', async () => {
    const queue = uniqueName();
    const t = app.task(`tasks.bulk.${queue}`, { queue }, (i: number) => i);
    const results = await t.delayMany(Array.from({ length: 5000 }, (_, i) => [i] as [number]));
    expect(results).toHaveLength(5000);
    expect(new Set(results.map((r) => r.id)).size).toBe(5000);
    expect(await redis.llen(queue)).toBe(5000);
    const first = await popDecoded(queue);
    expect(first.args).toEqual([0]);
    const mixed = await app.sendMany([
      { name: 'a', args: [1], options: { queue, priority: 9 } },
      { name: 'b', args: [2], options: { queue: `${queue}-x` } },
    ]);
    expect(mixed).toHaveLength(2);
    expect(await redis.llen(`${queue}${SEP}9`)).toBe(1);
    expect(await redis.sismember(`_kombu.binding.${queue}-x`, `${queue}-x${SEP}${SEP}${queue}-x`)).toBe(1);
  });

  it('refuses a second task with the same name', () => {
    app.task('tasks.once', () => 1);
    expect(() => app.task('tasks.once', () => 2)).toThrow(/already registered/);
  });

  it('purges every priority list of the named queues and counts what it removed', async () => {
    const queue = uniqueName();
    await app.sendMany([0, 3, 6, 9, 0].map((priority) => ({ name: 't', options: { queue, priority } })));
    const counts = await app.purge([queue, uniqueName()]);
    expect([...counts.values()]).toEqual([5, 0]);
    expect(await app.queueLength(queue)).toBe(0);
  });
});
