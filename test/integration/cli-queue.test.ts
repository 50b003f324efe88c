/** `celeriac queue browse | delete | move` on a real Redis, as a user runs them. */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { runCli } from '../helpers/cli.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';

let server: RedisServer;
let redis: Redis;
let app: App;
useRedisSuite((s) => ({ server, redis, app } = s));

describe('celeriac queue', () => {
  it('lists waiting messages with their keys, deletes and moves them by key or by a confirmed search', async () => {
    const queue = uniqueName('cliq');
    const sent = await app.sendMany([[0, 'tasks.a'], [9, 'tasks.b'], [3, 'tasks.a'], [0, 'report.x']].map(([priority, name], i) => ({ name: name as string, args: [i], options: { queue, priority: priority as number } })));
    const listed = await runCli(['queue', 'browse', queue, '-b', server.url]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^\\s+0  p0  [0-9a-f]{40}  tasks\\.a\\[${sent[0]!.id}\\]\\n\\s+\\[0\\] \\{\\}`, 'm'));
    expect(listed.stdout).toContain('4 waiting (by priority step 0: 2, 3: 1, 6: 0, 9: 1).');
    const json = (await runCli(['queue', 'browse', queue, '--priority', '0', '--json', '-b', server.url])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; task: string });
    expect(json.map((m) => m.task)).toEqual(['tasks.a', 'report.x']);

    const deleted = await runCli(['queue', 'delete', queue, json[1]!.key, '-b', server.url]);
    expect(deleted.stdout.trim()).toBe('Deleted: 1; no longer there as listed (taken by a worker or changed): 0.');
    expect((await runCli(['queue', 'delete', queue, json[1]!.key, '-b', server.url])).stdout).toContain('Deleted: 0; no longer there as listed (taken by a worker or changed): 1.');

    const to = uniqueName('clito');
    const unconfirmed = await runCli(['queue', 'move', queue, to, '--search', 'name:tasks.a', '-b', server.url]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/without confirmation; pass -f/);
    expect((await runCli(['queue', 'move', queue, to, '--search', 'name:tasks.a', '-f', '-b', server.url])).stdout.trim()).toBe(`Moved to ${to}: 2; no longer there as listed (taken by a worker or changed): 0.`);
    expect(await redis.llen(to)).toBe(1);
    expect(await redis.llen(`${to}\x06\x163`)).toBe(1);
    expect((await runCli(['queue', 'browse', queue, '-b', server.url])).stdout).toContain('1 waiting');
    expect((await runCli(['queue', 'delete', queue, 'nope', '-b', server.url])).stderr).toMatch(/not a message key/);
  });

  it('says how many a move could not act on, left where they were, and why, and exits 1', async () => {
    const queue = uniqueName('cliq');
    await app.sendMany([{ name: 'tasks.a', options: { queue, priority: 0 } }, { name: 'tasks.a', options: { queue, priority: 3 } }]);
    const to = uniqueName('clito');
    await redis.hset(`${to}\x06\x163`, 'f', 'v'); // its step-3 list holds other data
    const run = await runCli(['queue', 'move', queue, to, '--search', 'name:tasks.a', '-f', '-b', server.url]);
    const out = run.stdout;
    expect(run.code).toBe(1);
    expect(out).toContain(`Moved to ${to}: 1;`);
    expect(out).toContain(`Failed, left where they were: 1 (cannot move to ${to}`);
    expect(await redis.llen(`${queue}\x06\x163`)).toBe(1);
  });
});
