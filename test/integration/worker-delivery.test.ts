import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';
import { encodeTaskMessage } from '../../src-main/core/protocol/encode.js';
import { buildTaskMessage } from '../../src-main/core/protocol/build.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { startWorker, startWorkerProcess } from '../helpers/worker.js';
import { rawEnvelope } from '../helpers/fixtures.js';

let server: RedisServer;
let redis: Redis;
let app: App;
useRedisSuite((s) => ({ server, redis, app } = s));

/** Pids of a process's children, from /proc. */
function childPids(parent: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return state.slice(state.lastIndexOf(')') + 2, state.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('ETA and countdown', () => {
  it('keeps a countdown task in the schedule in Redis, not in the worker, and runs it when due', async () => {
    const queue = uniqueName('eta');
    const worker = await startWorker(server.url, { concurrency: 1, queues: [queue] });
    try {
      const r = await app.sendTask('tasks.add', [20, 22], {}, { queue, countdown: 1.5 });
      await until(async () => (await redis.zcard('celeriac:schedule')) === 1);
      expect(await redis.hlen('unacked')).toBe(0);
      expect(await r.state()).toBe('PENDING');
      expect(await r.get({ timeout: 10_000 })).toBe(42);
      expect(await redis.zcard('celeriac:schedule')).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it('loses none across a restart and runs none twice, even past a short visibility timeout', async () => {
    const queue = uniqueName('eta');
    const list = uniqueName('ran');
    const first = await startWorker(server.url, { concurrency: 2, queues: [queue], visibilityTimeout: 1 });
    await app.sendMany(Array.from({ length: 500 }, (_, i) => ({ name: 'tasks.record', args: [list, i], options: { queue, countdown: 2 } })));
    await until(async () => (await redis.zcard('celeriac:schedule')) === 500);
    await first.stop();
    const second = await startWorker(server.url, { concurrency: 2, queues: [queue], visibilityTimeout: 1 });
    try {
      await until(async () => (await redis.llen(list)) >= 500);
      await new Promise((r) => setTimeout(r, 1500)); // room for any duplicate to show up
      const ran = (await redis.lrange(list, 0, -1)).map(Number).sort((a, b) => a - b);
      expect(ran).toEqual(Array.from({ length: 500 }, (_, i) => i));
    } finally {
      await second.stop();
    }
  });
});

describe('at-least-once delivery', () => {
  it('runs again, on a second worker, the task of a worker killed with kill -9', async () => {
    const queue = uniqueName('kill');
    const list = uniqueName('ran');
    const doomed = await startWorkerProcess(server.url, ['-Q', queue, '-c', '1', '--visibility-timeout', '1']);
    const r = await app.sendTask('tasks.record', [list, 'once', 1500], {}, { queue });
    await until(async () => (await redis.hlen('unacked')) === 1);
    doomed.process.kill('SIGKILL');
    await doomed.exited;
    expect(await redis.llen(list)).toBe(0);
    const rescuer = await startWorker(server.url, { concurrency: 1, queues: [queue], visibilityTimeout: 1 });
    try {
      expect(await r.get({ timeout: 20_000 })).toBe('once');
      expect(await redis.lrange(list, 0, -1)).toEqual(['once']);
    } finally {
      await rescuer.stop();
    }
  });

  it('leaves no child running when the worker is killed with kill -9, even one stuck in a loop', async () => {
    const queue = uniqueName('orphans');
    const w = await startWorkerProcess(server.url, ['-Q', queue, '-c', '2']);
    const children = childPids(w.process.pid!);
    expect(children).toHaveLength(2);
    await app.sendTask('tasks.spin', [], {}, { queue }); // busy for 0.5 s: 'disconnect' cannot run
    await until(async () => (await redis.hlen('unacked')) === 1);
    await new Promise((r) => setTimeout(r, 250)); // the child is in the loop now
    w.process.kill('SIGKILL');
    await w.exited;
    await until(async () => children.every((pid) => !alive(pid)), 5000);
    await redis.del('unacked', 'unacked_index'); // the spinning task's claim: not for the next tests
  });

  it('hands its claims back to the queue when stopped with SIGTERM', async () => {
    const queue = uniqueName('term');
    const w = await startWorkerProcess(server.url, ['-Q', queue, '-c', '1', '--prefetch', '4']);
    await app.sendMany(Array.from({ length: 4 }, (_, i) => ({ name: 'tasks.sleep', args: [3000 + i], options: { queue } })));
    await until(async () => (await redis.hlen('unacked')) === 4);
    w.process.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    w.process.kill('SIGTERM'); // the second signal: hand back at once
    expect(await w.exited).toBe(0);
    expect(await redis.hlen('unacked')).toBe(0);
    expect(await app.queueLength(queue)).toBe(4);
    expect(w.log()).toMatch(/Restoring 4 unacknowledged message\(s\)/);
    const restored = JSON.parse((await redis.lindex(queue, -1))!);
    expect(restored.headers.redelivered).toBe(true);
    expect(restored.properties.delivery_info.redelivered).toBe(true);
  });

  it('finishes running tasks on a single SIGTERM before it exits', async () => {
    const queue = uniqueName('warm');
    const w = await startWorkerProcess(server.url, ['-Q', queue, '-c', '1', '--prefetch', '1']);
    const r = await app.sendTask('tasks.sleep', [800], {}, { queue });
    await until(async () => (await redis.hlen('unacked')) === 1);
    w.process.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(await r.state()).toBe('SUCCESS');
  });
});

describe('dead letters', () => {
  it('moves 1,000 malformed messages to the dead-letter list with their reasons and keeps serving good ones', async () => {
    const queue = uniqueName('bad');
    await redis.del('celeriac:dead');
    const good = JSON.parse(rawEnvelope('task-message.json'));
    const bad: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const kind = i % 5;
      if (kind === 0) bad.push(`not json ${i}`);
      else if (kind === 1) bad.push(JSON.stringify({ ...good, 'content-type': 'application/x-python-serialize', properties: { ...good.properties, delivery_tag: `p${i}` } }));
      else if (kind === 2) bad.push(JSON.stringify({ ...good, body: 'AAAA', properties: { ...good.properties, delivery_tag: `b${i}` } }));
      else if (kind === 3) bad.push(JSON.stringify({ ...good, headers: { ...good.headers, task: 'no.such.task', id: `u${i}` }, properties: { ...good.properties, delivery_tag: `u${i}` } }));
      else bad.push(JSON.stringify([1, 2, 3]));
    }
    await redis.lpush(queue, ...bad);
    const worker = await startWorker(server.url, { concurrency: 2, queues: [queue] });
    try {
      const ok = await app.sendTask('tasks.add', [1, 2], {}, { queue });
      expect(await ok.get({ timeout: 20_000 })).toBe(3);
      await until(async () => (await redis.llen('celeriac:dead')) === 1000);
      const entries = (await redis.lrange('celeriac:dead', 0, -1)).map((e) => JSON.parse(e));
      const reasons = entries.reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.reason]: (acc[e.reason] ?? 0) + 1 }), {});
      expect(reasons).toEqual({ not_json: 200, unsupported_content_type: 200, body_not_decodable: 200, unknown_task: 200, not_an_envelope: 200 });
      expect(entries.every((e) => typeof e.raw === 'string' && e.queue === queue && e.time > 0)).toBe(true);
      expect(await redis.hlen('unacked')).toBe(0);
      // Whoever waits on an unknown task learns why, as from a Python worker.
      await expect(app.asyncResult('u3').get({ timeout: 1000 })).rejects.toMatchObject({ name: 'NotRegistered', message: 'no.such.task' });
    } finally {
      await worker.stop();
    }
  });

  it('never unpickles: a pickle message is dead-lettered by its content type', async () => {
    const queue = uniqueName('pickle');
    const msg = JSON.parse(encodeTaskMessage(buildTaskMessage('tasks.add', [1, 2], {}, { queue }, { origin: 'x', replyTo: '' })));
    msg['content-type'] = 'application/x-python-serialize';
    msg.body = Buffer.from("cos\nsystem\n(S'echo pwned'\ntR.").toString('base64');
    await redis.lpush(queue, JSON.stringify(msg));
    const worker = await startWorker(server.url, { concurrency: 1, queues: [queue] });
    try {
      await until(async () => (await redis.lrange('celeriac:dead', 0, -1)).some((e) => JSON.parse(e).queue === queue));
      const entry = (await redis.lrange('celeriac:dead', 0, -1)).map((e) => JSON.parse(e)).find((e) => e.queue === queue);
      expect(entry).toMatchObject({ reason: 'unsupported_content_type', detail: expect.stringContaining('pickle is never deserialized') });
    } finally {
      await worker.stop();
    }
  });
});
