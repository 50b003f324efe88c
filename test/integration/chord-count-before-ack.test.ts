/**
 * A chord member is counted before its message is acked, once per task id: a worker that
 * cannot count it (as if killed between ack and count) leaves the message unacked, so it runs
 * again and is counted then; a member counted twice with another result does not count twice.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { chain, chord } from '../../src-main/core/canvas/signature.js';
import { chordCountedKey, chordKeys } from '../../src-main/core/keys.js';
import type { Worker } from '../../src-main/core/worker/worker.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';
import { startWorker } from '../helpers/worker.js';

let redis: Redis;
let app: App;
let url: string;
useRedisSuite((s) => {
  ({ redis, app } = s);
  url = s.server.url;
});

/** The fixture tasks (test/fixtures/tasks/basic.ts), declared here as a producer declares them, once. */
let declared: ReturnType<typeof declare> | null = null;
function declare() {
  return {
    add: app.task('tasks.add', (x: number, y: number) => x + y),
    tsum: app.task('tasks.tsum', (values: number[]) => values.reduce((a, b) => a + b, 0)),
    fail: app.task('tasks.fail', (message: string): number => { throw new Error(message); }),
  };
}
const tasks = () => (declared ??= declare());

describe('chord counting', () => {
  it('a member whose count fails is not acked: it runs again and the body runs once', async () => {
    const { add, tsum } = tasks();
    const r = await chord([add.s(1, 1), add.s(2, 2), add.s(3, 3)], tsum.s()).applyAsync();
    const [size] = await redis.keys('celery-taskset-meta-*.s');
    const gid = size!.slice('celery-taskset-meta-'.length, -2);
    const [members] = chordKeys(gid);
    // `.j` of the wrong type: the count fails after the task ran, where a kill -9 would stop it.
    await redis.set(members, 'not a sorted set');
    let worker: Worker | null = null;
    try {
      worker = await startWorker(url, { concurrency: 2, visibilityTimeout: 2, name: uniqueName('w') + '@chord' });
      // The members ran and their results were stored nowhere: nothing was acked.
      await until(async () => (await redis.hlen('unacked')) === 3 && worker!.stats.processed >= 3, 15_000);
      expect(await redis.keys('celery-task-meta-*')).toEqual([]);
      expect(await redis.hlen('unacked')).toBe(3);
      await redis.del(members);
      // The visibility timeout hands the claims back; the reruns are counted and the body runs.
      expect(await r.get({ timeout: 20_000 })).toBe(12);
      await until(async () => (await redis.hlen('unacked')) === 0, 10_000);
    } finally {
      await worker?.stop();
      await redis.flushall();
    }
  }, 60_000);

  it('a chain in a chord header whose first step fails: its last step is failed and counted before the ack', async () => {
    const { add, fail, tsum } = tasks();
    const r = await chord([chain(fail.s('boom'), add.s(1)), add.s(2, 2)], tsum.s()).applyAsync();
    const [size] = await redis.keys('celery-taskset-meta-*.s');
    const [members] = chordKeys(size!.slice('celery-taskset-meta-'.length, -2));
    await redis.set(members, 'not a sorted set');
    let worker: Worker | null = null;
    try {
      worker = await startWorker(url, { concurrency: 2, visibilityTimeout: 2, name: uniqueName('w') + '@chain' });
      await until(async () => (await redis.hlen('unacked')) === 2 && worker!.stats.failed >= 1, 15_000);
      await redis.del(members);
      const error = await r.get({ timeout: 20_000 }).then(() => null, (err: Error) => err);
      expect(error?.message).toMatch(/ChordError|Dependency .* raised/);
      await until(async () => (await redis.hlen('unacked')) === 0, 10_000);
    } finally {
      await worker?.stop();
      await redis.flushall();
    }
  }, 60_000);

  it('a member counted again with another result is counted once; a rerun of the last member still finds the chord complete', async () => {
    const gid = uniqueName('gid');
    const [members, , size] = chordKeys(gid);
    await redis.set(size, '2');
    expect(await app.backend.chordPart(gid, 0, 'a', JSON.stringify([1, 'a', 'SUCCESS', 1]))).toBeNull();
    // The same task again (its message redelivered), another value: still one member.
    expect(await app.backend.chordPart(gid, 0, 'a', JSON.stringify([1, 'a', 'FAILURE', { exc_type: 'ValueError', exc_message: ['x'], exc_module: 'builtins' }]))).toBeNull();
    expect(await redis.zcard(members)).toBe(1);
    const done = await app.backend.chordPart(gid, 1, 'b', JSON.stringify([1, 'b', 'SUCCESS', 2]));
    expect(done?.map(String)).toEqual([JSON.stringify([1, 'a', 'SUCCESS', 1]), JSON.stringify([1, 'b', 'SUCCESS', 2])]);
    // The last member killed before its ack (and before the body went out) runs again.
    expect(await app.backend.chordPart(gid, 1, 'b', JSON.stringify([1, 'b', 'SUCCESS', 2]))).toEqual(done);
    expect(await redis.ttl(chordCountedKey(gid))).toBeGreaterThan(0);
    await app.backend.forgetChord(gid);
    expect(await redis.exists(members, size, chordCountedKey(gid))).toBe(0);
  });
});
