import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { useRedisSuite } from '../helpers/suite.js';
import { buildMeta } from '../../src-main/core/backend/result-meta.js';
import { decodeTaskMessage } from '../../src-main/core/protocol/decode.js';
import { runCli } from '../helpers/cli.js';
import { freePort, uniqueName, type RedisServer } from '../helpers/redis-server.js';

let server: RedisServer;
let redis: Redis;
let app: App;
useRedisSuite((s) => ({ server, redis, app } = s));

function message(raw: string | null) {
  const r = decodeTaskMessage(raw ?? '');
  if (!r.ok) throw r.error;
  return r.message;
}

describe('celeriac call', () => {
  it('sends a task with args, kwargs, queue, priority and countdown, and prints its id', async () => {
    const queue = uniqueName();
    const run = await runCli(['call', 'proj.tasks.mul', '--args', '[2, 3]', '--kwargs', '{"z": 1}', '-Q', queue, '--priority', '9', '--countdown', '30', '--broker', server.url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const msg = message(await redis.rpop(`${queue}\x06\x169`));
    expect(msg).toMatchObject({ id, task: 'proj.tasks.mul', args: [2, 3], kwargs: { z: 1 }, priority: 9, routingKey: queue });
    expect(Date.parse(msg.eta!) - Date.now()).toBeGreaterThan(20_000);
  });

  it('takes the broker from CELERIAC_BROKER_URL, then CELERY_BROKER_URL', async () => {
    const queue = uniqueName();
    const a = await runCli(['call', 't', '-Q', queue], { CELERIAC_BROKER_URL: server.url, CELERY_BROKER_URL: 'redis://127.0.0.1:1/0' });
    const b = await runCli(['call', 't', '-Q', queue], { CELERY_BROKER_URL: server.url });
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(await redis.llen(queue)).toBe(2);
  });

  it('with --wait prints the result once a worker stores it', async () => {
    const queue = uniqueName();
    const running = runCli(['call', 'tasks.add', '--args', '[2, 3]', '-Q', queue, '--wait', '--timeout', '10', '-b', server.url]);
    const [, raw] = (await redis.brpop(queue, 10))!;
    await app.backend.store(buildMeta(message(raw).id, 'SUCCESS', { total: 5 }));
    const run = await running;
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ total: 5 });
  });

  it('with --wait prints a failure\'s type, message and traceback, and exits 1', async () => {
    const queue = uniqueName();
    const running = runCli(['call', 'tasks.fail', '-Q', queue, '--wait', '-b', server.url]);
    const [, raw] = (await redis.brpop(queue, 10))!;
    await app.backend.store(buildMeta(message(raw).id, 'FAILURE', { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' }, { traceback: 'Traceback (most recent call last):\nValueError: boom' }));
    const run = await running;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Traceback (most recent call last):');
    expect(run.stderr).toContain('celeriac: ValueError: boom');
  });

  it('with --wait --timeout gives up with one clear line', async () => {
    const run = await runCli(['call', 'tasks.none', '-Q', uniqueName(), '--wait', '--timeout', '0.3', '-b', server.url]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/TimeoutError: no result for task .* within 300 ms/);
  });

  it('refuses bad JSON arguments before connecting', async () => {
    const run = await runCli(['call', 't', '--args', '{"x": 1}', '-b', 'redis://127.0.0.1:1/0']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/must be a JSON array/);
  });
});

describe('celeriac result', () => {
  it('prints PENDING for an unknown id, and the stored meta otherwise', async () => {
    const id = uniqueName('id');
    const pending = await runCli(['result', id, '-b', server.url]);
    expect(JSON.parse(pending.stdout)).toMatchObject({ status: 'PENDING', task_id: id });
    await app.backend.store(buildMeta(id, 'SUCCESS', [1, 2]));
    const done = await runCli(['result', id, '-b', server.url]);
    expect(JSON.parse(done.stdout)).toMatchObject({ status: 'SUCCESS', result: [1, 2], task_id: id });
  });

  it('with --wait waits for a ready state', async () => {
    const id = uniqueName('id');
    const running = runCli(['result', id, '--wait', '-b', server.url]);
    setTimeout(() => void app.backend.store(buildMeta(id, 'SUCCESS', 'late')), 500);
    const run = await running;
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'SUCCESS', result: 'late' });
  });
});

describe('celeriac result --tree', () => {
  it('prints a workflow from its root: chain steps, a chord\'s group and its body, with states', async () => {
    const [root, middle, gid, h1, h2, body] = ['root', 'middle', 'gid', 'h1', 'h2', 'body'].map((n) => uniqueName(n)) as [string, string, string, string, string, string];
    const store = (id: string, state: string, extras: Parameters<typeof buildMeta>[3]) => app.backend.store(buildMeta(id, state, null, { name: 'tasks.add', ...extras }));
    await store(root, 'SUCCESS', { children: [[[middle, null], null]] });
    await store(middle, 'SUCCESS', { parentId: root, children: [[[gid, null], [[[h1, null], null], [[h2, null], null]]]] });
    await store(h1, 'SUCCESS', { parentId: middle, groupId: gid });
    await store(h2, 'FAILURE', { parentId: middle, groupId: gid });
    await app.backend.store(buildMeta(body, 'FAILURE', null, { name: 'tasks.tsum', parentId: h2 }));
    const run = await runCli(['result', body, '--tree', '-b', server.url]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      `${root}  tasks.add  SUCCESS`,
      `└─ ${middle}  tasks.add  SUCCESS`,
      `   └─ group ${gid}  2/2 done`,
      `      ├─ ${h1}  tasks.add  SUCCESS`,
      `      └─ ${h2}  tasks.add  FAILURE`,
      `         └─ ${body}  tasks.tsum  FAILURE  ◀`,
    ]);
  });
});

describe('celeriac purge', () => {
  it('refuses without -f when nobody can confirm', async () => {
    const queue = uniqueName();
    await app.sendTask('t', [], {}, { queue });
    const run = await runCli(['purge', '-Q', queue, '-b', server.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/pass -f/);
    expect(await redis.llen(queue)).toBe(1);
  });

  it('with -f empties every priority list of the queues and says how many it removed', async () => {
    const [q1, q2] = [uniqueName(), uniqueName()];
    await app.sendMany([0, 5, 9].map((priority) => ({ name: 't', options: { queue: q1, priority } })));
    await app.sendTask('t', [], {}, { queue: q2 });
    const run = await runCli(['purge', '-Q', `${q1},${q2}`, '-f', '-b', server.url]);
    expect(run.stdout.trim()).toBe('Purged 4 messages from 2 known task queues.');
    expect(await app.queueLength(q1)).toBe(0);
    expect(await app.queueLength(q2)).toBe(0);
  });
});

describe('connection failures', () => {
  it('is one clear line and exit code 1 when Redis is unreachable', async () => {
    const port = await freePort();
    const run = await runCli(['call', 'tasks.add', '-b', `redis://127.0.0.1:${port}/0`]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+\/0: connect ECONNREFUSED/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('names a bad URL scheme', async () => {
    const run = await runCli(['result', 'x', '-b', 'amqp://localhost']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/scheme amqp: is not supported; use redis:\/\/, rediss:\/\/ \(TLS\) or sentinel:\/\//);
  });
});
