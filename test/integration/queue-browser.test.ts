/**
 * The queue browser's back end on a real Redis: a queue's waiting messages paged by priority
 * step and searched, decoded whatever the sender's serializer (never unpickled), and deleted,
 * moved or run next one by one or in bulk, each action acting only on the very message shown:
 * one a worker took, or one replaced since, is refused. A read-only room refuses the actions.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import { browseQueue } from '../../src-main/core/broker/queue-messages.js';
import { QueueMessageActions } from '../../src-main/core/broker/queue-message-actions.js';
import { callScript } from '../../src-main/core/scripts.js';
import { ScriptResult } from '../../src-main/core/script-results.js';
import { CallServer } from '../../src-main/service/calls/call-server.js';
import { ConnectionService } from '../../src-main/service/room/connection-service.js';
import { ok } from '../helpers/contract.js';
import { rawEnvelope } from '../helpers/fixtures.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';
import { startWorker } from '../helpers/worker.js';

let server: RedisServer;
let redis: Redis;
let app: App;
let svc: ConnectionService;
useRedisSuite((s) => ({ server, redis, app } = s), { app: { taskRecords: true } });
beforeAll(async () => {
  svc = new ConnectionService(app);
  await svc.start();
});
afterAll(() => svc?.stop());

const SEP = '\x06\x16';
/** Sends tasks `name0`, `name1`, … to a fresh queue, each with its priority. */
async function fill(priorities: number[], name = 'task'): Promise<{ queue: string; ids: string[] }> {
  const queue = uniqueName('browse');
  const sent = await app.sendMany(priorities.map((priority, i) => ({ name: `${name}${i}`, args: [i, `word${i}`], kwargs: { n: i }, options: { queue, priority } })));
  return { queue, ids: sent.map((r) => r.id) };
}
const browse = (input: Record<string, unknown>) => ok(svc.call('queues:browse', input));

describe('browsing a queue', () => {
  it('pages the waiting messages in the order workers take them: step by step, oldest first within one', async () => {
    const { queue, ids } = await fill([9, 0, 3, 0, 6, 3]);
    const page = await browse({ queue, limit: 10 });
    expect(page.total).toBe(6);
    expect(page.steps).toEqual([{ step: 0, count: 2 }, { step: 3, count: 2 }, { step: 6, count: 1 }, { step: 9, count: 1 }]);
    expect(page.messages.map((m) => [m.position, m.task, m.step, m.priority])).toEqual([
      [0, 'task1', 0, 0], [1, 'task3', 0, 0], [2, 'task2', 3, 3], [3, 'task5', 3, 3], [4, 'task4', 6, 6], [5, 'task0', 9, 9],
    ]);
    expect(page.messages[0]).toMatchObject({ id: ids[1], args: '[1,"word1"]', kwargs: '{"n":1}', argsrepr: "(1, 'word1')", retries: 0, eta: null, contentType: 'application/json', problem: null });
    expect(page.messages[0]!.key).toMatch(/^[0-9a-f]{40}$/);
    // Pages cross the steps.
    expect((await browse({ queue, offset: 1, limit: 3 })).messages.map((m) => m.task)).toEqual(['task3', 'task2', 'task5']);
    // One step: its messages only, at their places in the whole queue.
    const three = await browse({ queue, priority: 3 });
    expect(three).toMatchObject({ priority: 3, matching: 2, total: 6 });
    expect(three.messages.map((m) => [m.position, m.task])).toEqual([[2, 'task2'], [3, 'task5']]);
    expect((await browse({ queue, priority: 3, offset: 1, limit: 1 })).messages.map((m) => m.task)).toEqual(['task5']);
    expect(await svc.call('queues:browse', { queue, priority: 4 })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
  });

  it('shows msgpack and compressed bodies decoded, and a pickled one by its headers, never unpickled', async () => {
    const queue = uniqueName('wire');
    const packed = createApp({ broker: server.url, taskSerializer: 'msgpack', taskCompression: 'gzip' });
    try {
      const sent = await packed.sendTask('packed.task', [1, 'ü'], {}, { queue });
      const pythonMsgpack = JSON.parse(rawEnvelope('task-message-msgpack-compressed.json')) as Record<string, unknown>;
      await redis.lpush(queue, JSON.stringify(pythonMsgpack));
      const pickled = { ...JSON.parse(rawEnvelope('task-message.json')), 'content-type': 'application/x-python-serialize', 'content-encoding': 'binary', body: Buffer.from('cos\nsystem\n(S"echo owned"\ntR.').toString('base64') };
      await redis.lpush(queue, JSON.stringify(pickled));
      const page = await browse({ queue });
      expect(page.messages.map((m) => [m.task, m.args, m.kwargs, m.contentType, m.compression])).toEqual([
        ['packed.task', '[1,"ü"]', '{}', 'application/x-msgpack', 'application/x-gzip'],
        ['cap.add', '[2,3]', '{"z":"ü"}', 'application/x-msgpack', 'application/x-gzip'],
        [pickled.headers.task, '', '', 'application/x-python-serialize', null],
      ]);
      expect(page.messages[0]!.id).toBe(sent.id);
      expect(page.messages[2]).toMatchObject({ id: pickled.headers.id, argsrepr: pickled.headers.argsrepr, problem: expect.stringContaining('pickle: never deserialized') });

      const whole = await ok(svc.call('queues:message', { queue, key: page.messages[1]!.key, position: 1 }));
      expect(JSON.parse(whole.pretty).body).toEqual([[2, 3], { z: 'ü' }, { callbacks: null, errbacks: null, chain: null, chord: null }]);
      expect(whole.message).toMatchObject({ task: 'cap.add', key: page.messages[1]!.key, position: 1 });
      const pickle = await ok(svc.call('queues:message', { queue, key: page.messages[2]!.key }));
      expect(JSON.parse(pickle.pretty).body).toBe('(pickle: never deserialized)');
    } finally {
      await packed.close();
    }
  });

  it('searches by name, id and words over the arguments, and says how much it read', async () => {
    const { queue, ids } = await fill([0, 0, 3, 9, 0]);
    await app.sendMany([{ name: 'other.thing', args: ['needle'], options: { queue } }]);
    expect((await browse({ queue, search: 'name:task3' })).messages.map((m) => m.id)).toEqual([ids[3]]);
    expect((await browse({ queue, search: `id:${ids[2]}` })).messages.map((m) => m.task)).toEqual(['task2']);
    expect((await browse({ queue, search: 'NEEDLE' })).messages.map((m) => m.task)).toEqual(['other.thing']);
    const tasks = await browse({ queue, search: 'name:task* -name:task0', limit: 2 });
    expect(tasks).toMatchObject({ matching: 4, scan: { scanned: 6, of: 6, matched: 4 } });
    expect(tasks.messages.map((m) => m.task)).toEqual(['task1', 'task4']);
    expect((await browse({ queue, search: 'name:task*', priority: 0, offset: 1 })).messages.map((m) => m.task)).toEqual(['task1', 'task4']);
    expect(await svc.call('queues:browse', { queue, search: 'state:FAILURE' })).toMatchObject({ ok: false, error: { message: expect.stringContaining('not a queue search word') } });
    // A search reads at most its limit, from the next to be taken on, and says so.
    const bounded = await browseQueue(redis, queue, 0, 50, { search: 'name:task*', scanLimit: 2 });
    expect(bounded.scan).toEqual({ scanned: 2, of: 6, limit: 2, matched: 2 });
  });

  it("gives a message's age from when the history first saw its task, and none for a task it does not know", async () => {
    const { queue, ids } = await fill([0]);
    await redis.lpush(queue, rawEnvelope('task-message.json'));
    await until(async () => (await browse({ queue })).messages[0]!.seenAt !== null);
    const [known, unknown] = (await browse({ queue })).messages;
    expect(known).toMatchObject({ id: ids[0], seenAt: expect.any(Number), age: expect.any(Number) });
    expect(known!.age).toBeGreaterThanOrEqual(0);
    expect(unknown).toMatchObject({ seenAt: null, age: null });
  });
});

describe("acting on the message shown", () => {
  it('deletes one message, moves one to another queue in its step, and has one taken next', async () => {
    const { queue } = await fill([0, 0, 3, 6]);
    const [first, second, third, fourth] = (await browse({ queue })).messages;
    expect(await ok(svc.call('queues:deleteMessage', { queue, key: second!.key, position: second!.position }))).toEqual({ deleted: second!.key });
    expect((await browse({ queue })).messages.map((m) => m.task)).toEqual(['task0', 'task2', 'task3']);

    const to = uniqueName('moved');
    const before = JSON.parse((await redis.lindex(`${queue}${SEP}3`, 0))!) as { body: string };
    const moved = await ok(svc.call('queues:moveMessage', { queue, key: third!.key, position: 1, to }));
    expect(moved).toMatchObject({ queue: to, step: 3 });
    expect(await redis.llen(`${to}${SEP}3`)).toBe(1);
    const there = JSON.parse((await redis.lindex(`${to}${SEP}3`, 0))!) as { body: string; properties: { delivery_info: unknown } };
    expect(there.properties.delivery_info).toEqual({ exchange: '', routing_key: to });
    expect(there.body).toBe(before.body);
    expect(await redis.sismember(`_kombu.binding.${to}`, `${to}${SEP}${SEP}${to}`)).toBe(1);
    expect((await browse({ queue: to })).messages[0]).toMatchObject({ task: 'task2', key: moved.key, step: 3 });

    expect(await ok(svc.call('queues:runNow', { queue, key: fourth!.key }))).toEqual({ queue, step: 0, key: fourth!.key });
    expect((await browse({ queue })).messages.map((m) => m.task)).toEqual(['task3', 'task0']);
    expect(first!.task).toBe('task0');
  });

  it('refuses a message a worker took, or one replaced, since it was shown', async () => {
    const queue = uniqueName('taken');
    await app.sendMany([{ name: 'tasks.add', args: [1, 2], options: { queue } }]);
    const { messages: [shown] } = await browse({ queue });
    const worker = await startWorker(server.url, { queues: [queue], concurrency: 1 });
    try {
      await until(async () => (await redis.llen(queue)) === 0);
    } finally {
      await worker.stop();
    }
    for (const [method, extra] of [['queues:deleteMessage', {}], ['queues:moveMessage', { to: 'elsewhere' }], ['queues:runNow', {}], ['queues:message', {}]] as const) {
      expect(await svc.call(method, { queue, key: shown!.key, position: 0, ...extra }), method).toMatchObject({ ok: false, error: { code: 'E_MESSAGE_CHANGED', message: expect.stringContaining('refresh') } });
    }
    expect(await ok(svc.call('queues:moveMessages', { queue, to: 'elsewhere', keys: [shown!.key], confirm: true }))).toEqual({ done: 0, changed: 1, scan: null, capped: false });
    expect(await redis.exists('elsewhere')).toBe(0);

    const { queue: q2 } = await fill([0, 0]);
    const [a, b] = (await browse({ queue: q2 })).messages;
    // Replaced where it waits (the list's right end is the next to be taken): same place, another message.
    const edited = (await redis.lindex(q2, -1))!.replace('"retries": 0', '"retries": 1').replace('"retries":0', '"retries":1');
    expect(edited).not.toBe(await redis.lindex(q2, -1));
    await redis.lset(q2, -1, edited);
    expect(await svc.call('queues:moveMessage', { queue: q2, key: a!.key, position: 0, to: 'elsewhere' })).toMatchObject({ ok: false, error: { code: 'E_MESSAGE_CHANGED' } });
    expect(await redis.llen(q2)).toBe(2);
    // In bulk: the changed one is counted and left; the other acted on.
    expect(await ok(svc.call('queues:deleteMessages', { queue: q2, keys: [a!.key, b!.key], confirm: true }))).toEqual({ done: 1, changed: 1, scan: null, capped: false });
    expect(await redis.lrange(q2, 0, -1)).toEqual([edited]);
  });

  it('the move script compares before it pushes: a message gone between the look-up and the act is not pushed', async () => {
    const { queue } = await fill([0]);
    new QueueMessageActions(redis); // registers the scripts on this connection
    const raw = (await redis.lindex(queue, -1))!;
    await redis.rpop(queue); // a worker took it after the room found it
    const to = uniqueName('nowhere');
    expect(await callScript(redis, 'moveWaiting', [queue, to, `_kombu.binding.${to}`], [raw, raw, 'last', `${to}${SEP}${SEP}${to}`])).toBe(ScriptResult.NotDone);
    expect(await redis.exists(to, `_kombu.binding.${to}`)).toBe(0);
    await redis.lpush(queue, raw);
    expect(await callScript(redis, 'moveWaiting', [queue, to, `_kombu.binding.${to}`], [raw, raw, 'last', `${to}${SEP}${SEP}${to}`])).toBe(ScriptResult.Done);
    expect([await redis.llen(queue), await redis.llen(to)]).toEqual([0, 1]);
  });

  it('never loses a message moved to a name that holds other data: it stays where it was, and the move is refused', async () => {
    const { queue } = await fill([0, 0]);
    const [a, b] = (await browse({ queue })).messages;
    const before = await redis.lrange(queue, 0, -1);
    const actions = new QueueMessageActions(redis);
    // `unacked` is kombu's hash of held messages: the contract refuses the name, and the core (used
    // by the CLI too) refuses it before anything is taken off the queue.
    expect(await svc.call('queues:moveMessage', { queue, key: a!.key, to: 'unacked' })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    await redis.hset('unacked', 'someone', 'held');
    await expect(actions.move({ queue, key: a!.key }, 'unacked')).rejects.toMatchObject({ code: 'E_MESSAGE_NOT_MOVABLE' });
    const hash = uniqueName('hash');
    await redis.hset(hash, 'f', 'v');
    expect(await svc.call('queues:moveMessage', { queue, key: a!.key, to: hash })).toMatchObject({ ok: false, error: { code: 'E_MESSAGE_NOT_MOVABLE' } });
    // A queue whose binding key holds other data is refused too: the push there would fail.
    const badBinding = uniqueName('binding');
    await redis.set(`_kombu.binding.${badBinding}`, 'x');
    await expect(actions.move({ queue, key: b!.key }, badBinding)).rejects.toMatchObject({ code: 'E_MESSAGE_NOT_MOVABLE' });
    expect(await redis.lrange(queue, 0, -1)).toEqual(before);
    expect(await redis.hlen('unacked')).toBe(1);
    await redis.del('unacked');
    for (const to of [queue, `${queue}${SEP}3`, 'unacked_index', '_kombu.binding.x', 'celeriac:dead']) {
      expect(await svc.call('queues:moveMessages', { queue, to, keys: [a!.key], confirm: true }), to).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    }
    expect(await redis.lrange(queue, 0, -1)).toEqual(before);
  });

  it('deletes a selection and moves what a search matches, only when confirmed', async () => {
    const { queue } = await fill([0, 3, 0, 9, 6]);
    await app.sendMany([0, 3].map((priority) => ({ name: 'report.build', args: [priority], options: { queue, priority } })));
    const shown = (await browse({ queue })).messages;
    const pick = shown.filter((m) => m.task === 'task0' || m.task === 'task3').map((m) => m.key);
    expect(await svc.call('queues:deleteMessages', { queue, keys: pick })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT', issues: [{ path: 'confirm' }] } });
    expect(await svc.call('queues:deleteMessages', { queue, keys: pick, search: 'name:task0', confirm: true })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT', issues: [{ path: 'keys' }] } });
    expect(await ok(svc.call('queues:deleteMessages', { queue, keys: pick, confirm: true }))).toEqual({ done: 2, changed: 0, scan: null, capped: false });
    expect((await browse({ queue })).messages.map((m) => m.task)).toEqual(['task2', 'report.build', 'task1', 'report.build', 'task4']);

    const to = uniqueName('reports');
    const moved = await ok(svc.call('queues:moveMessages', { queue, to, search: 'name:report.build', confirm: true }));
    expect(moved).toEqual({ done: 2, changed: 0, scan: { scanned: 5, of: 5, limit: expect.any(Number), matched: 2 }, capped: false });
    expect((await browse({ queue })).messages.map((m) => m.task)).toEqual(['task2', 'task1', 'task4']);
    expect((await browse({ queue: to })).messages.map((m) => [m.task, m.step, m.args])).toEqual([['report.build', 0, '[0]'], ['report.build', 3, '[3]']]);
    // A selection of keys no longer there: all changed, nothing done.
    expect(await ok(svc.call('queues:moveMessages', { queue, to, keys: pick, confirm: true }))).toEqual({ done: 0, changed: 2, scan: null, capped: false });
  });

  it('refuses a bulk search of only spaces (it would match every message), and says a search that does not parse as such', async () => {
    const { queue } = await fill([0, 0]);
    const to = uniqueName('blank');
    for (const [method, extra] of [['queues:deleteMessages', {}], ['queues:moveMessages', { to }]] as const) {
      expect(await svc.call(method, { queue, search: '  ', confirm: true, ...extra }), method).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
      expect(await svc.call(method, { queue, search: 'state:x', confirm: true, ...extra }), method).toMatchObject({ ok: false, error: { code: 'E_BAD_SEARCH', message: expect.stringContaining('state:') } });
    }
    await expect(new QueueMessageActions(redis).deleteMany(queue, { search: '  ' }, 1000)).rejects.toMatchObject({ code: 'E_BAD_SEARCH' });
    expect(await redis.llen(queue)).toBe(2);
  });

  it('a bulk move acts on each message it can and reports those it could not, left where they were', async () => {
    const { queue } = await fill([0, 3, 0]);
    const to = uniqueName('halfway');
    // The step-3 list of the queue moved to holds other data: the step-3 message cannot go there.
    await redis.hset(`${to}${SEP}3`, 'f', 'v');
    const stuck = await redis.lrange(`${queue}${SEP}3`, 0, -1);
    const outcome = await ok(svc.call('queues:moveMessages', { queue, to, search: 'name:task*', confirm: true }));
    expect(outcome).toMatchObject({ done: 2, changed: 0, failed: { count: 1, reason: expect.stringContaining(`cannot move to ${to}`) } });
    expect(await redis.llen(to)).toBe(2);
    expect(await redis.lrange(`${queue}${SEP}3`, 0, -1)).toEqual(stuck);
    expect(await redis.llen(queue)).toBe(0);
  });

  it('acts on at most 1,000 per call and says when it stopped there with more matching; a second call takes the rest', async () => {
    const queue = uniqueName('capped');
    await app.sendMany(Array.from({ length: 1005 }, (_, i) => ({ name: 'bulk.clean', args: [i], options: { queue } })));
    await app.sendMany([{ name: 'other.task', args: [], options: { queue } }]);
    const first = await ok(svc.call('queues:deleteMessages', { queue, search: 'name:bulk.clean', confirm: true }));
    expect(first).toMatchObject({ done: 1000, changed: 0, capped: true });
    expect(await redis.llen(queue)).toBe(6);
    // The first 1,000 to be taken went; the rest still wait.
    expect((await browse({ queue })).messages.map((m) => m.args)).toEqual(['[1000]', '[1001]', '[1002]', '[1003]', '[1004]', '[]']);
    expect(await ok(svc.call('queues:deleteMessages', { queue, search: 'name:bulk.clean', confirm: true }))).toMatchObject({ done: 5, changed: 0, capped: false });
    expect(await redis.llen(queue)).toBe(1);
  });

  it('is capped only when more than `max` match or are selected: exactly `max` is not', async () => {
    const { queue } = await fill([0, 0, 0, 0]);
    const actions = new QueueMessageActions(redis);
    const to = uniqueName('capped-to');
    expect(await actions.moveMany(queue, to, { search: 'name:task*' }, 4)).toMatchObject({ done: 4, capped: false });
    const { queue: q2 } = await fill([0, 0, 0]);
    const keys = (await browse({ queue: q2 })).messages.map((m) => m.key);
    expect(await actions.deleteMany(q2, { keys }, 2)).toMatchObject({ done: 2, capped: true });
    expect(await actions.deleteMany(q2, { keys }, 3)).toMatchObject({ done: 1, changed: 2, capped: false });
  });

  it('a moved message is run by a worker consuming the queue it went to', async () => {
    const { queue } = await fill([0]);
    await app.sendMany([{ name: 'tasks.add', args: [20, 22], options: { queue } }]);
    const key = (await browse({ queue })).messages[1]!.key;
    const to = uniqueName('run');
    await ok(svc.call('queues:moveMessage', { queue, key, to }));
    const id = (await browse({ queue: to })).messages[0]!.id!;
    const worker = await startWorker(server.url, { queues: [to], concurrency: 1 });
    try {
      expect(await app.asyncResult(id).get({ timeout: 15_000 })).toBe(42);
    } finally {
      await worker.stop();
    }
  });

  it('is refused by a read-only room, which still browses', async () => {
    const { queue } = await fill([0]);
    const shown = (await browse({ queue })).messages[0]!;
    const room = new CallServer(svc, { readOnly: true });
    expect(await room.call('queues:browse', { queue })).toMatchObject({ ok: true });
    expect(await room.call('queues:message', { queue, key: shown.key })).toMatchObject({ ok: true });
    for (const [method, input] of [
      ['queues:deleteMessage', { queue, key: shown.key }], ['queues:moveMessage', { queue, key: shown.key, to: 'x' }], ['queues:runNow', { queue, key: shown.key }],
      ['queues:deleteMessages', { queue, keys: [shown.key], confirm: true }], ['queues:moveMessages', { queue, to: 'x', search: 'name:task0', confirm: true }],
    ] as const) {
      expect(await room.call(method, input), method).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    }
    expect(await redis.llen(queue)).toBe(1);
  });
});
