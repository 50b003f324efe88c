/**
 * The backfill on stored results of any size: eight failures with 40 MB tracebacks are read
 * into rows of bounded size (cut and marked as events are), the history file stays small and
 * its first page reads at once.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill } from '../../src-main/service/history/backfill.js';
import { DropCounter } from '../../src-main/service/cluster/drop-counter.js';
import { FIELD_LIMIT, wasCut } from '../../src-main/service/history/field-cut.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

describe('the backfill of large stored results', () => {
  it('keeps eight 40 MB tracebacks as bounded rows, marked as cut, and the first page reads fast', async () => {
    const client = redis.client();
    const frames = '  File "/srv/app/tasks.py", line 12, in resize\n    return work(x)\n'.repeat(610_000);
    const traceback = `Traceback (most recent call last):\n${frames}MemoryError: out of room\n`;
    expect(traceback.length).toBeGreaterThan(40_000_000);
    for (let i = 0; i < 8; i++) {
      const meta = { status: 'FAILURE', result: { exc_type: 'MemoryError', exc_message: ['out of room'], exc_module: 'builtins' }, traceback, children: [], date_done: '2026-12-07T10:00:00.000000', task_id: `big-${i}`, name: 'tasks.resize' };
      await client.set(`celery-task-meta-big-${i}`, JSON.stringify(meta));
    }
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-backfill-bounds-'));
    const store = new HistoryStore(join(dir, 'history.sqlite'));
    expect(await backfill(client, store, () => false, new DropCounter('Backfill'))).toBe(8);

    const started = performance.now();
    const page = store.search('', { limit: 100 });
    const elapsed = performance.now() - started;
    expect(page.total).toBe(8);
    expect(elapsed).toBeLessThan(200);
    for (const row of page.tasks) {
      expect(row).toMatchObject({ state: 'FAILURE', name: 'tasks.resize', exception: "MemoryError('out of room')" });
      expect(row.traceback!.length).toBeLessThanOrEqual(FIELD_LIMIT);
      expect(wasCut(row.traceback!)).toBe(true);
      expect(row.traceback).toMatch(/^Traceback \(most recent call last\):\n/);
      expect(row.traceback).toMatch(/\nMemoryError: out of room… \[cut: 4\d MB\]$/);
    }
    expect(store.search('exception:MemoryError').total).toBe(8);
    store.close();
    const bytes = statSync(join(dir, 'history.sqlite')).size + (statSync(join(dir, 'history.sqlite-wal'), { throwIfNoEntry: false })?.size ?? 0);
    expect(bytes).toBeLessThan(16 * 1024 * 1024);
  }, 120_000);
});
