/**
 * Messages built to break a worker: nested too deep to encode, unsendable to a pool child,
 * sharing a delivery tag. Each one is dead-lettered with its reason and its FAILURE stored;
 * no worker dies and good tasks go on.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { NotSerializableError } from '../../src-main/core/errors.js';
import { forkSpawner, type ChildHandle, type Spawner } from '../../src-main/core/worker/pool/spawner.js';
import { ProcessPool } from '../../src-main/core/worker/pool/process-pool.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { startWorker, startWorkerProcess, TASKS } from '../helpers/worker.js';
import { rawEnvelope } from '../helpers/fixtures.js';

let server: RedisServer;
let redis: Redis;
let app: App;
useRedisSuite((s) => ({ server, redis, app } = s));

/** `[[[...[1]...]]]`, `depth` lists deep. */
function nested(depth: number): unknown {
  let v: unknown = [1];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

/** A Celery message for `tasks.echo` whose only argument nests `depth` deep, as any client could LPUSH it. */
function deepMessage(id: string, depth: number): string {
  const env = JSON.parse(rawEnvelope('task-message.json'));
  env.headers = { ...env.headers, task: 'tasks.echo', id, root_id: id };
  env.properties = { ...env.properties, correlation_id: id, delivery_tag: `tag-${id}` };
  // Written as text: JSON.stringify itself overflows a few thousand levels down.
  env.body = Buffer.from(`[[${'['.repeat(depth)}1${']'.repeat(depth)}], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]`).toString('base64');
  return JSON.stringify(env);
}

async function deadLetterOf(queue: string): Promise<Record<string, unknown> | undefined> {
  return (await redis.lrange('celeriac:dead', 0, -1)).map((e) => JSON.parse(e) as Record<string, unknown>).find((e) => e.queue === queue);
}

describe('a message nested too deep', () => {
  it('is dead-lettered with its FAILURE stored, and three process-pool workers stay up and serve good tasks', async () => {
    const queue = uniqueName('deep');
    const workers = await Promise.all([0, 1, 2].map(() => startWorkerProcess(server.url, ['-Q', queue, '-c', '1', '--visibility-timeout', '2'])));
    try {
      await redis.lpush(queue, deepMessage('deep-1', 4200));
      await until(async () => (await deadLetterOf(queue)) !== undefined);
      expect(await deadLetterOf(queue)).toMatchObject({ reason: 'too_deep', detail: expect.stringContaining('deeper than 1000 levels') });
      await expect(app.asyncResult('deep-1').get({ timeout: 5000 })).rejects.toMatchObject({ name: 'DecodeError', message: expect.stringContaining('dead-lettered') });
      // Past the visibility timeout nothing comes back to kill the next worker.
      await new Promise((r) => setTimeout(r, 3000));
      const good = await app.sendTask('tasks.add', [2, 3], {}, { queue });
      expect(await good.get({ timeout: 10_000 })).toBe(5);
      for (const w of workers) expect(w.process.exitCode).toBeNull();
      expect(await redis.hlen('unacked')).toBe(0);
    } finally {
      for (const w of workers) w.process.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
    }
  });

  it('is dead-lettered once by an async-pool worker, not run and restored for ever', async () => {
    const queue = uniqueName('deep-async');
    const worker = await startWorker(server.url, { pool: 'async', concurrency: 4, queues: [queue], visibilityTimeout: 1 });
    try {
      await redis.lpush(queue, deepMessage('deep-2', 4200));
      await until(async () => (await deadLetterOf(queue)) !== undefined);
      await new Promise((r) => setTimeout(r, 2500));
      const letters = (await redis.lrange('celeriac:dead', 0, -1)).filter((e) => JSON.parse(e).queue === queue);
      expect(letters).toHaveLength(1);
      expect(worker.stats.processed).toBe(0);
      expect(await redis.hlen('unacked')).toBe(0);
      await expect(app.asyncResult('deep-2').get({ timeout: 2000 })).rejects.toMatchObject({ name: 'DecodeError' });
    } finally {
      await worker.stop();
    }
  });

  it('still runs near the deepest a Python client can write (1000 levels)', async () => {
    const queue = uniqueName('deep-ok');
    const worker = await startWorker(server.url, { concurrency: 1, queues: [queue] });
    try {
      // 998 deep: echo's result wraps the argument in two more levels, to 1000.
      await redis.lpush(queue, deepMessage('deep-3', 998));
      const value = (await app.asyncResult('deep-3').get({ timeout: 10_000 })) as { args: unknown[] };
      expect(JSON.stringify(value.args).length).toBeGreaterThan(1990);
      expect(await deadLetterOf(queue)).toBeUndefined();
    } finally {
      await worker.stop();
    }
  });

  it('is refused by the producer with NotSerializableError naming where, not a raw RangeError', async () => {
    const err = await app.sendTask('tasks.echo', [nested(2000)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotSerializableError);
    expect((err as NotSerializableError).message).toMatch(/nested deeper than 1000 levels/);
    await expect(app.sendTask('tasks.echo', [nested(999)])).resolves.toBeDefined();
  });
});

describe('a job the pool cannot hand to a child', () => {
  it('is rejected with its reason; the pool and the other jobs of its batch go on', async () => {
    // A channel that cannot encode one job, as Node's IPC cannot encode what overflows its stack.
    const spawner: Spawner = {
      spawn<Out, In>(entry: string, args: string[]): ChildHandle<Out, In> {
        const handle = forkSpawner.spawn<Out, In>(entry, args);
        return {
          get pid() {
            return handle.pid;
          },
          onMessage: (l: (message: In) => void) => handle.onMessage(l),
          onExit: (l: (detail: string) => void) => handle.onExit(l),
          kill: () => handle.kill(),
          send(message: Out) {
            const m = message as { type: string; jobs?: Array<{ taskId: string }> };
            if (m.type === 'run' && m.jobs?.some((j) => j.taskId === 'poison')) throw new RangeError('Maximum call stack size exceeded');
            handle.send(message);
          },
        };
      },
    };
    const pool = new ProcessPool([TASKS], { processes: 1, perChild: 8, spawner });
    await pool.start();
    try {
      const job = (taskId: string) => ({ taskId, name: 'tasks.add', args: [1, 2], kwargs: {}, retries: 0, softTimeLimit: null, hardTimeLimit: null });
      const outcomes = await Promise.all(['a', 'poison', 'b'].map((id) => pool.run(job(id), () => undefined)));
      expect(outcomes.map((o) => o.kind)).toEqual(['success', 'rejected', 'success']);
      expect(outcomes[1]).toMatchObject({ reason: expect.stringContaining('could not be sent to a pool child: Maximum call stack') });
      expect((await pool.run(job('c'), () => undefined)).kind).toBe('success');
    } finally {
      await pool.stop();
    }
  });
});

describe('two messages with one delivery tag', () => {
  it('dead-letters the second and stores its FAILURE, so its caller does not wait for ever', async () => {
    const queue = uniqueName('dup');
    const base = JSON.parse(rawEnvelope('task-message.json'));
    const withId = (id: string, args: string): string => JSON.stringify({
      ...base,
      headers: { ...base.headers, task: 'tasks.record', id, root_id: id },
      properties: { ...base.properties, correlation_id: id, delivery_tag: 'shared-tag', delivery_info: { exchange: '', routing_key: queue } },
      body: Buffer.from(`[${args}, {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]`).toString('base64'),
    });
    const list = uniqueName('ran');
    // The first holds its claim for a while; the second comes while it does.
    await redis.lpush(queue, withId('dup-1', `["${list}", "one", 1500]`), withId('dup-2', `["${list}", "two", 0]`));
    const worker = await startWorker(server.url, { concurrency: 2, queues: [queue] });
    try {
      await expect(app.asyncResult('dup-2').get({ timeout: 10_000 })).rejects.toMatchObject({ name: 'DuplicateDeliveryTag' });
      expect(await app.asyncResult('dup-1').get({ timeout: 10_000 })).toBe('one');
      expect(await deadLetterOf(queue)).toMatchObject({ reason: 'duplicate_delivery_tag' });
    } finally {
      await worker.stop();
    }
  });
});
