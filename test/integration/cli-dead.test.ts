import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { buildTaskMessage } from '../../src-main/core/protocol/build.js';
import { encodeTaskMessage } from '../../src-main/core/protocol/encode.js';
import { QoS } from '../../src-main/core/broker/qos.js';
import { runCli } from '../helpers/cli.js';
import { useRedisSuite } from '../helpers/suite.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';

let server: RedisServer;
let redis: Redis;
useRedisSuite((s) => ({ server, redis } = s));

const entry = (raw: string, queue: string, reason: string) =>
  JSON.stringify({ reason, detail: `because ${reason}`, raw, queue, time: 1_795_000_000, worker: 'w@h' });

describe('celeriac dead', () => {
  it('lists, requeues and drops dead letters', async () => {
    const queue = uniqueName();
    const raw = encodeTaskMessage(buildTaskMessage('tasks.later', [1], {}, { queue, priority: 9, taskId: 'the-id' }, { origin: 'o', replyTo: '' }));
    await redis.lpush('celeriac:dead', entry('garbage', queue, 'not_json'), entry(raw, queue, 'unknown_task'));

    const listed = await runCli(['dead', 'list', '-b', server.url]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^\s+0 .* unknown_task: because unknown_task\n\s+tasks\.later\[the-id\]/m);
    expect(listed.stdout).toMatch(/^\s+1 .* not_json: because not_json\n\s+garbage/m);
    const json = (await runCli(['dead', 'list', '--json', '-b', server.url])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(json[0]).toMatchObject({ index: 0, task: 'tasks.later', id: 'the-id', queue, raw });

    const requeued = await runCli(['dead', 'requeue', '0', '-b', server.url]);
    expect(requeued.stdout.trim()).toBe(`Requeued tasks.later[the-id] onto ${queue}.`);
    expect(await redis.lrange(`${queue}\x06\x169`, 0, -1)).toEqual([raw]);
    expect(await redis.llen('celeriac:dead')).toBe(1);

    const missing = await runCli(['dead', 'drop', '5', '-b', server.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/there is no dead letter 5/);
    expect((await runCli(['dead', 'drop', 'all', '-b', server.url])).stdout.trim()).toBe('Dropped 1 dead letter.');
    expect((await runCli(['dead', 'list', '-b', server.url])).stdout.trim()).toBe('No dead letters.');
  });

  it('says when the full list pushed old dead letters out, instead of dropping them silently', async () => {
    await redis.del('celeriac:dead', 'celeriac:dead:dropped');
    const queue = uniqueName('full');
    const raws = [1, 2, 3, 4, 5].map((i) => encodeTaskMessage(buildTaskMessage('tasks.later', [i], {}, { queue }, { origin: 'o', replyTo: '' })));
    await redis.lpush(queue, ...raws);
    const full: number[] = [];
    const qos = new QoS(redis, 3, (cap) => full.push(cap));
    const claims = await qos.claim([queue], 10);
    for (const c of claims) await qos.deadLetter(c.tag, { reason: 'test', detail: 'x', raw: c.raw, queue, time: 1 });
    expect(await redis.llen('celeriac:dead')).toBe(3);
    expect(await redis.get('celeriac:dead:dropped')).toBe('2');
    expect(full).toEqual([3, 3]);
    const listed = await runCli(['dead', 'list', '-b', server.url]);
    expect(listed.stderr).toMatch(/2 older dead letters were dropped when the list was full/);
  });
});
