/**
 * Celeriac's canvas API (chain, group, chord, link, link_error, signatures) run by a Celeriac
 * worker on a private Redis: values, Celery's ids and tuples, ChordError, and a chord whose
 * last member is delivered again after its body was sent.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { chain, chord, group } from '../../src-main/core/canvas/signature.js';
import { GroupResult } from '../../src-main/core/backend/group-result.js';
import { chordKeys } from '../../src-main/core/keys.js';
import { messageOf } from '../../src-main/core/canvas/apply-signature.js';
import { useRedisSuite } from '../helpers/suite.js';
import { uniqueName } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

let redis: Redis;
let app: App;
useRedisSuite((s) => ({ redis, app } = s), { worker: { concurrency: 2, name: 'ts@canvas' } });

/** The fixture tasks (test/fixtures/tasks/basic.ts), declared here as a producer declares them. */
function tasks() {
  return {
    add: app.task('tasks.add', (x: number, y: number) => x + y),
    mul: app.task('tasks.mul', (x: number, y: number) => x * y),
    tsum: app.task('tasks.tsum', (values: number[]) => values.reduce((a, b) => a + b, 0)),
    fail: app.task('tasks.fail', (message: string): number => { throw new Error(message); }),
    identity: app.task('tasks.identity', (value: unknown) => value),
    record: app.task('tasks.record', (list: string, tag: string) => tag),
  };
}
let t: ReturnType<typeof tasks>;
const T = { timeout: 15_000 };

describe('canvas', () => {
  it('chains: each step gets the previous result first; the result is the last step, .parent the one before', async () => {
    t = tasks();
    const r = await chain(t.add.s(1, 2), t.add.s(10), t.mul.s(2)).applyAsync();
    expect(await r.get(T)).toBe(26);
    expect(await r.parent!.get(T)).toBe(13);
    const first = r.parent!.parent!;
    expect(await first.get(T)).toBe(3);
    // Celery's ids: the same root, each step's parent the step before, listed as its child.
    expect(await r.info()).toMatchObject({ parent_id: r.parent!.id });
    expect((await first.children()).map((c) => c.id)).toEqual([r.parent!.id]);
    const raw = JSON.parse((await redis.get(`celery-task-meta-${first.id}`))!);
    expect(raw.children).toEqual([[[r.parent!.id, null], null]]);
  });

  it('.si() is immutable: a chain step that takes nothing from the one before', async () => {
    const r = await chain(t.add.s(1, 1), t.add.si(5, 5)).applyAsync();
    expect(await r.get(T)).toBe(10);
  });

  it('groups: a GroupResult with Celery\'s save/restore, counts and states', async () => {
    const g = await group([t.add.s(1, 1), t.add.s(2, 2), t.add.s(3, 3)]).applyAsync();
    expect(await g.get(T)).toEqual([2, 4, 6]);
    expect(await g.completedCount()).toBe(3);
    expect(await g.successful()).toBe(true);
    await g.save();
    expect(JSON.parse((await redis.get(`celery-taskset-meta-${g.id}`))!)).toEqual({ result: [[g.id, null], g.results.map((r) => [[r.id, null], null])] });
    const restored = (await app.restoreGroup(g.id)) as GroupResult;
    expect(restored.results.map((r) => r.id)).toEqual(g.results.map((r) => r.id));
    for (const r of g.results) expect((await r.info()).group_id).toBe(g.id);
  });

  it('chords: the body gets the header\'s results in order; the keys are gone after', async () => {
    const header = Array.from({ length: 6 }, (_, i) => t.add.s(i, i));
    const r = await chord(header, t.tsum.s()).applyAsync();
    expect(await r.get(T)).toBe(30);
    await until(async () => (await redis.keys('celery-taskset-meta-*.[jts]')).length === 0);
  });

  it('links: the callback gets the result; link_error gets the failed task\'s id', async () => {
    const ok = await t.add.s(2, 3).link(t.identity.s()).applyAsync();
    expect(await ok.get(T)).toBe(5);
    await until(async () => (await ok.children()).length > 0);
    const [callback] = await ok.children();
    expect(await (callback as { get: (o: object) => Promise<unknown> }).get(T)).toBe(5);

    const eb = t.identity.s().set({ taskId: uniqueName('eb') });
    const failed = await t.fail.s('boom').linkError(eb).applyAsync();
    await expect(failed.get(T)).rejects.toThrow('boom');
    expect(await app.asyncResult(eb.options.task_id as string).get(T)).toBe(failed.id);
  });

  it('a chain failing halfway fails its rest with the same exception', async () => {
    const r = await chain(t.add.s(1, 1), t.fail.si('halfway'), t.add.s(1)).applyAsync();
    await expect(r.get(T)).rejects.toThrow('halfway');
    expect((await r.info()).result).toMatchObject({ exc_type: 'ValueError', exc_message: ['halfway'] });
  });

  it('a chord with a failing member stores ChordError for the body and runs its errbacks', async () => {
    const eb = t.identity.s().set({ taskId: uniqueName('chord-eb') });
    const r = await chord([t.add.s(1, 1), t.fail.si('member')], t.tsum.s().linkError(eb)).applyAsync();
    await expect(r.get(T)).rejects.toMatchObject({ name: 'ChordError' });
    expect((await r.info()).result).toMatchObject({ exc_type: 'ChordError', exc_module: 'celery.exceptions', exc_message: [expect.stringMatching(/^Dependency [0-9a-f-]+ raised ValueError\('member'\)$/)] });
    expect(await app.asyncResult(eb.options.task_id as string).get(T)).toBe(r.id);
  });

  it('a chord\'s last member delivered again after its body was sent does not send the body twice', async () => {
    const list = uniqueName('body-runs');
    const [first, last] = [uniqueName('h1'), uniqueName('h2')];
    const body = t.record.si(list, 'body');
    const r = await chord([t.add.s(1, 1).set({ taskId: first }), t.add.s(2, 2).set({ taskId: last })], body).applyAsync();
    expect(await r.get(T)).toBe('body');
    const done = await app.asyncResult(last).info();
    // As if the worker had died after sending the body, before deleting the chord's keys: the
    // keys are back, and the last member's message is delivered again (same id, same chord).
    const [j, , size] = chordKeys(done.group_id!);
    await redis.set(size, '2');
    await redis.zadd(j, 0, JSON.stringify([1, first, 'SUCCESS', 2]));
    const again = { task: 'tasks.add', args: [2, 2], kwargs: {}, subtask_type: null, immutable: false,
      options: { task_id: last, group_id: done.group_id, group_index: 1, chord: { ...body.toJSON(), options: { ...body.toJSON().options, task_id: r.id } } } };
    await app.publishMessage(messageOf(again, {}, { identity: app.identity, route: (task, args, kwargs, given) => app.route(task, args, kwargs, given), publish: async () => undefined, setChordSize: async () => undefined }));
    // Its SUCCESS stands (Celery's guard); its chord part runs again and the keys go.
    await until(async () => (await redis.exists(size)) === 0);
    await new Promise((res) => setTimeout(res, 500));
    expect(await redis.lrange(list, 0, -1)).toEqual(['body']);
  });

  it('a chain step delivered again after it ran does not send its next step twice', async () => {
    const list = uniqueName('next-runs');
    const first = uniqueName('step1');
    const next = t.record.si(list, 'next');
    const r = await chain(t.add.s(1, 1).set({ taskId: first }), next).applyAsync();
    expect(await r.get(T)).toBe('next');
    // The first step's message again, as a redelivery brings it: same id, same chain.
    const again = { task: 'tasks.add', args: [1, 1], kwargs: {}, subtask_type: null, immutable: false,
      options: { task_id: first, chain: [{ ...next.toJSON(), options: { ...next.toJSON().options, task_id: r.id } }] } };
    const before = (await app.asyncResult(first).info()).date_done;
    await app.publishMessage(messageOf(again, {}, { identity: app.identity, route: (task, args, kwargs, given) => app.route(task, args, kwargs, given), publish: async () => undefined, setChordSize: async () => undefined }));
    // It runs again (its SUCCESS stands, Celery's guard), then nothing more is sent.
    await until(async () => (await app.queueLength('celery')) === 0 && (await redis.hlen('unacked')) === 0);
    await new Promise((res) => setTimeout(res, 500));
    expect((await app.asyncResult(first).info()).date_done).toBe(before);
    expect(await redis.lrange(list, 0, -1)).toEqual(['next']);
  });

  it('checks a signature\'s arguments for JSON when it is made', () => {
    expect(() => t.add.s(1, 2n as unknown as number)).toThrow(/JSON|serializ/i);
    expect(() => app.signature('proj.tasks.mul', [() => 1])).toThrow(/JSON|serializ/i);
  });
});
