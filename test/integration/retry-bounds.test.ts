/**
 * Retrying failures whose stored results are large (Python tracebacks of megabytes): the
 * preview and the send read those results a bounded number of bytes at a time, and one over
 * the backfill's hard limit is not read at all: it is said too large to rebuild from.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { MAX_META_BYTES, MAX_READ_BYTES } from '../../src-main/core/backend/read-bounds.js';
import type { App } from '../../src-main/core/app.js';
import { previewRetries, retryTasks } from '../../src-main/service/tasks/task-retry.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';

let redis: Redis;
let app: App;
useRedisSuite((s) => ({ redis, app } = s));

/** A Python failure stored with result_extended and a traceback of about `bytes`. */
function failure(id: string, queue: string, bytes: number): string {
  const traceback = `Traceback (most recent call last):\n${'  File "/srv/app/tasks.py", line 12, in resize\n'.repeat(Math.ceil(bytes / 48))}MemoryError: out of room\n`;
  return JSON.stringify({
    status: 'FAILURE', result: { exc_type: 'MemoryError', exc_message: ['out of room'], exc_module: 'builtins' }, traceback, children: [],
    date_done: '2026-12-07T10:00:00.000000', name: 'tasks.resize', args: [id], kwargs: {}, worker: 'celery@py1', retries: 0, queue, task_id: id,
  });
}

/** Watches the backend's reads: the most bytes of stored results being read at once. */
function watchReads(sizes: ReadonlyMap<string, number>): { peak: () => number; restore: () => void } {
  const backend = app.backend;
  const { get, getMany } = backend;
  let inFlight = 0;
  let peak = 0;
  const track = async <T>(ids: readonly string[], read: () => Promise<T>): Promise<T> => {
    const bytes = ids.reduce((n, id) => n + (sizes.get(id) ?? 0), 0);
    inFlight += bytes;
    peak = Math.max(peak, inFlight);
    try {
      return await read();
    } finally {
      inFlight -= bytes;
    }
  };
  backend.get = (id) => track([id], () => get.call(backend, id));
  backend.getMany = (ids) => track(ids, () => getMany.call(backend, ids));
  return { peak: () => peak, restore: () => Object.assign(backend, { get, getMany }) };
}

describe('retrying failures with large stored results', () => {
  it('reads them a bounded number of bytes at a time, in the preview and in the send', async () => {
    const queue = uniqueName('resize');
    const ids = Array.from({ length: 6 }, (_, i) => uniqueName(`big-${i}`));
    const sizes = new Map<string, number>();
    for (const id of ids) {
      const meta = failure(id, queue, 3 * 1024 * 1024);
      sizes.set(id, meta.length);
      await redis.set(`celery-task-meta-${id}`, meta);
    }
    const reads = watchReads(sizes);
    try {
      expect(await previewRetries(app, ids)).toMatchObject({ sendable: 6, notSendable: 0, from: { resultMeta: 6 } });
      expect(reads.peak()).toBeGreaterThan(0);
      expect(reads.peak()).toBeLessThanOrEqual(MAX_READ_BYTES);

      const outcome = await retryTasks(app, ids);
      expect(outcome.retried.sort()).toEqual([...ids].sort());
      expect(reads.peak()).toBeLessThanOrEqual(MAX_READ_BYTES);
    } finally {
      reads.restore();
    }
    // Sent again to the queue they came from, their stored results cleared.
    expect(await redis.llen(queue)).toBe(6);
    expect(await redis.exists(...ids.map((id) => `celery-task-meta-${id}`))).toBe(0);
  });

  it('does not read one over the hard limit: too large to rebuild from, said in the preview and the send', async () => {
    const queue = uniqueName('huge');
    const [huge, small] = [uniqueName('huge'), uniqueName('small')];
    const meta = failure(huge, queue, MAX_META_BYTES + 1024 * 1024);
    expect(meta.length).toBeGreaterThan(MAX_META_BYTES);
    await redis.set(`celery-task-meta-${huge}`, meta);
    await redis.set(`celery-task-meta-${small}`, failure(small, queue, 1000));
    const reads = watchReads(new Map([[huge, meta.length]]));
    try {
      const preview = await previewRetries(app, [huge, small]);
      expect(preview).toMatchObject({ sendable: 1, notSendable: 1, reasons: [{ code: 'result_too_large', label: 'stored result too large to rebuild from', ids: [huge] }] });
      expect(preview.errors[0]?.message).toMatch(/its stored result is \d+\.\d MiB, over the 64 MiB read at most: too large to rebuild from/);
      const outcome = await retryTasks(app, [huge, small]);
      expect(outcome).toMatchObject({ retried: [small], notSent: 1, errors: [{ id: huge, code: 'result_too_large' }] });
      expect(reads.peak()).toBe(0);
    } finally {
      reads.restore();
    }
    expect(await redis.llen(queue)).toBe(1);
    expect(await redis.exists(`celery-task-meta-${huge}`)).toBe(1);
  });
});
