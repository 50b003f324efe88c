import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { rawEnvelope } from '../helpers/fixtures.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { startWorker } from '../helpers/worker.js';

let server: RedisServer;
let redis: Redis;
let app: App;
useRedisSuite((s) => ({ server, redis, app } = s));

const service = (): ConnectionService => new ConnectionService(app);

describe('service: queues', () => {
  it('lists every task queue with its depth per priority, Python-declared ones included', async () => {
    const mine = uniqueName('mine');
    await app.sendMany([0, 3, 3, 9].map((priority) => ({ name: 't', options: { queue: mine, priority } })));
    // A queue only a Python producer declared, written exactly as kombu writes it.
    await redis.sadd('_kombu.binding.pyq', 'pyq\x06\x16\x06\x16pyq');
    await redis.lpush('pyq', rawEnvelope('task-message.json'));
    await redis.sadd('_kombu.binding.reply.celery.pidbox', 'x\x06\x16\x06\x16x.reply.celery.pidbox');
    const r = await service().call('queues:list', {});
    expect(r.ok).toBe(true);
    const queues = r.ok ? r.value : [];
    expect(queues.find((q) => q.name === mine)).toEqual({ name: mine, depth: 4, byPriority: { 0: 1, 3: 2, 6: 0, 9: 1 }, paused: false });
    expect(queues.find((q) => q.name === 'pyq')).toMatchObject({ depth: 1 });
    expect(queues.map((q) => q.name)).toContain('celery');
    expect(queues.map((q) => q.name).some((n) => n.includes('pidbox'))).toBe(false);
  });

  it('pages through waiting messages in the order workers take them, decoded', async () => {
    const queue = uniqueName('browse');
    const sent = await app.sendMany([9, 0, 3, 0, 6].map((priority, i) => ({ name: `task${i}`, args: [i], options: { queue, priority } })));
    await redis.lpush(queue, 'not json');
    const all = await service().call('queues:browse', { queue, limit: 10 });
    if (!all.ok) throw new Error(all.error.message);
    expect(all.value.total).toBe(6);
    expect(all.value.messages.map((m) => m.task ?? m.problem?.split(':')[0])).toEqual(['task1', 'task3', 'not_json', 'task2', 'task4', 'task0']);
    expect(all.value.messages[0]).toMatchObject({ position: 0, id: sent[1]!.id, argsrepr: '(1,)', priority: 0 });
    const page = await service().call('queues:browse', { queue, offset: 2, limit: 2 });
    expect(page.ok && page.value.messages.map((m) => m.position)).toEqual([2, 3]);
    expect(page.ok && page.value.messages[1]!.task).toBe('task2');
  });

  it('purges only with an explicit confirmation', async () => {
    const queue = uniqueName('purge');
    await app.sendMany([{ name: 't', options: { queue } }, { name: 't', options: { queue, priority: 9 } }]);
    const refused = await service().call('queues:purge', { queue });
    expect(refused).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT', issues: [{ path: 'confirm' }] } });
    expect(await app.queueLength(queue)).toBe(2);
    expect(await service().call('queues:purge', { queue, confirm: true })).toEqual({ ok: true, value: { purged: 2 } });
  });

  it('answers a bad call with a typed error, never an exception', async () => {
    expect(await service().call('queues:drop', {})).toMatchObject({ ok: false, error: { code: 'E_UNKNOWN_METHOD' } });
    expect(await service().call('queues:browse', { queue: '', limit: 10_000 })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    expect(await service().call('queues:list', { extra: 1 })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    expect(await service().call('queues:list', 'nonsense')).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
  });
});

describe('service: workers', () => {
  it('lists running Celeriac workers from their heartbeats', async () => {
    const worker = await startWorker(server.url, { concurrency: 1, name: 'listed@test', queues: ['a', 'b'] });
    const r = await service().call('workers:list', {});
    expect(r.ok && r.value).toEqual([expect.objectContaining({ name: 'listed@test', online: true, pool: 'process', concurrency: 1, queues: ['a', 'b'] })]);
    await worker.stop();
    expect(await service().call('workers:list', {})).toEqual({ ok: true, value: [] });
  });
});
