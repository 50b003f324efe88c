/**
 * Core's read models (what the control room and the CLI show of queues) on a Python deployment
 * off Celery's defaults: msgpack + gzip bodies, a routed queue, priorities. They list and decode
 * what Python sent, and reading takes nothing: the messages stay where they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { listQueues } from '../../src-main/core/broker/queue-list.js';
import { browseQueue, nextMessage } from '../../src-main/core/broker/queue-messages.js';
import { pythonCeleryAvailable, runPython } from '../helpers/python.js';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';

const available = pythonCeleryAvailable();

describe.runIf(available)("core's queue read models on a routed msgpack + gzip Python shop", () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = server.client();
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('lists the routed queue by priority, decodes its messages in the order workers take them, and takes none', async () => {
    const queue = uniqueName('routed');
    const send = async (priority: number, n: number): Promise<string> =>
      (JSON.parse(await runPython('pywire.py', ['send-to', queue, String(priority), 'wire.add', JSON.stringify([n, n])], { CELERIAC_TEST_BROKER: server.url })) as { id: string }).id;
    const low = await send(0, 1);
    const high = await send(9, 2);

    const listed = (await listQueues(redis)).find((q) => q.name === queue);
    expect(listed).toMatchObject({ depth: 2, paused: false });
    expect(Object.values(listed!.byPriority).filter((n) => n > 0)).toHaveLength(2);

    const page = await browseQueue(redis, queue, 0, 10);
    expect(page.total).toBe(2);
    // kombu serves the lowest priority step first: Celery's priority 0 before 9 on Redis.
    expect(page.messages.map((m) => [m.id, m.task, m.argsrepr, m.problem])).toEqual([
      [low, 'wire.add', '[1, 1]', null], // Celery's argsrepr of send_task's list
      [high, 'wire.add', '[2, 2]', null],
    ]);
    expect(await nextMessage(redis, queue)).toEqual({ id: low });

    // Read, not taken: both still wait, nothing is claimed.
    expect((await listQueues(redis)).find((q) => q.name === queue)?.depth).toBe(2);
    expect(await redis.hlen('unacked')).toBe(0);
  });
});
