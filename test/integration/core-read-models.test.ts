/**
 * Core's read models on a real Redis, without the control room: the queues (bindings, depth by
 * priority, a page of messages, the next one), Celeriac's workers, a page of dead letters, the
 * ETA schedule's count, the stored results a backfill scans, and a record's first write. What a
 * real worker wrote is read back as the control room and the CLI would read it.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { scanResultMetas, type StoredMeta } from '../../src-main/core/backend/result-meta-scan.js';
import { deadLetterKey, deadLetterPage } from '../../src-main/core/broker/dead-letter-page.js';
import { DeadLetters } from '../../src-main/core/broker/dead-letters.js';
import { countScheduledEntries, listScheduledEntries } from '../../src-main/core/broker/eta-schedule.js';
import { listQueues } from '../../src-main/core/broker/queue-list.js';
import { browseQueue, nextMessage } from '../../src-main/core/broker/queue-messages.js';
import { scheduledOfEntry } from '../../src-main/core/broker/scheduled-task.js';
import { listWorkers } from '../../src-main/core/worker/worker-list.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

let redis: Redis;
let app: App;
useRedisSuite((s) => ({ redis, app } = s), { app: { taskRecords: true }, worker: { concurrency: 1, name: 'ts@read' } });

describe("core's read models", () => {
  it('list a queue with its depth per priority, page its messages in the order workers take them, and name the next', async () => {
    const queue = uniqueName('parked');
    const sent = await app.sendMany([9, 0, 3, 0].map((priority, i) => ({ name: `task${i}`, args: [i], options: { queue, priority } })));
    const listed = (await listQueues(redis)).find((q) => q.name === queue);
    expect(listed).toEqual({ name: queue, depth: 4, byPriority: { 0: 2, 3: 1, 6: 0, 9: 1 }, paused: false });

    const page = await browseQueue(redis, queue, 1, 2);
    expect(page.total).toBe(4);
    expect(page.messages.map((m) => [m.position, m.task, m.priority])).toEqual([[1, 'task3', 0], [2, 'task2', 3]]);
    expect(await nextMessage(redis, queue)).toEqual({ id: sent[1]!.id });
    expect(await nextMessage(redis, uniqueName('empty'))).toBeNull();
    // Its producer wrote its record when it sent it: the age of the next message reads from there.
    const sentAt = await app.records.firstWrittenAt(sent[1]!.id);
    expect(sentAt).toBeGreaterThan(Date.now() - 60_000);
    expect(await app.records.firstWrittenAt('no-such-task')).toBeNull();
  });

  it("read a worker's heartbeat entry, the ETA schedule and a page of dead letters a real worker wrote", async () => {
    await until(async () => (await listWorkers(redis)).some((w) => w.name === 'ts@read'));
    expect((await listWorkers(redis)).find((w) => w.name === 'ts@read')).toMatchObject({ online: true, concurrency: 1, queues: ['celery'] });

    const later = await app.sendTask('tasks.add', [2, 3], {}, { countdown: 300 });
    const lost = await app.sendTask('no.such.task', [7]);
    await until(async () => (await countScheduledEntries(redis)) === 1 && (await new DeadLetters(redis).count()) === 1);
    const { total, entries } = await listScheduledEntries(redis, 10);
    expect(total).toBe(1);
    expect(scheduledOfEntry(entries[0]!)).toMatchObject({ holder: 'celeriac', id: later.id, name: 'tasks.add', args: '(2, 3)', queue: 'celery' });

    const dead = await deadLetterPage(redis, 0, 10);
    expect(dead).toMatchObject({ total: 1, dropped: 0 });
    const [entry] = dead.entries;
    expect(entry).toMatchObject({ index: 0, reason: 'unknown_task', task: 'no.such.task', id: lost.id, queue: 'celery' });
    expect(JSON.parse(entry!.message).body[0]).toEqual([7]);
    const [stored] = await new DeadLetters(redis).stored(0, 1);
    expect(entry!.key).toBe(deadLetterKey(stored!));
  });

  it('scan every stored result in groups, skipping keys that hold no meta, and stop between SCAN batches when told', async () => {
    const done = await Promise.all([1, 2, 3].map((n) => app.sendTask('tasks.add', [n, n])));
    for (const r of done) await r.get({ timeout: 10_000 });
    await redis.set('celery-task-meta-not-a-meta', 'plain text');
    const seen: StoredMeta[] = [];
    for await (const group of scanResultMetas(redis)) seen.push(...group);
    const ids = seen.map((s) => s.id);
    for (const r of done) expect(ids).toContain(r.id);
    expect(ids).not.toContain('not-a-meta');
    expect(seen.find((s) => s.id === done[0]!.id)!.meta).toMatchObject({ status: 'SUCCESS', result: 2 });

    // Many more than one SCAN batch: told to stop, it ends after the first.
    const many = redis.pipeline();
    for (let i = 0; i < 3000; i++) many.set(`celery-task-meta-bulk-${i}`, JSON.stringify({ status: 'SUCCESS', result: i, traceback: null, children: [], date_done: null, task_id: `bulk-${i}` }));
    await many.exec();
    let read = 0;
    for await (const group of scanResultMetas(redis, { shouldStop: () => true })) read += group.length;
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(3000);
  });
});
