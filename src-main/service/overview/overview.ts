/**
 * The Overview view's figures, from the history (Python's tasks too) and Redis: finished tasks
 * per bucket over a range, runtime p50/p95 and failure rate per task name, each queue's depth
 * and the age of its oldest waiting message, workers online.
 */
import type { Redis } from 'ioredis';
import { listQueues } from '../../core/broker/queue-list.js';
import { nextMessage } from '../../core/broker/queue-messages.js';
import { TaskRecords } from '../../core/records/record-store.js';
import type { HistoryReader } from '../history/history-reader.js';
import type { WorkerInfo } from '../../core/worker/worker-list.js';
import type { Overview, OldestFrom, OverviewRange } from '../contract/types/overview.js';

export const RANGES: Record<OverviewRange, readonly [span: number, width: number]> = { '15m': [900, 15], '1h': [3600, 60], '24h': [86_400, 900], '7d': [604_800, 3600] };

/** The age of a queue's next message (the consuming end), from what is known of that message. */
async function oldestAge(redis: Redis, records: TaskRecords, history: HistoryReader, queue: string, now: number): Promise<{ ageS: number | null; from: OldestFrom | null }> {
  const next = await nextMessage(redis, queue);
  if (next === null) return { ageS: null, from: null };
  if (next.id === null) return { ageS: null, from: 'unknown' };
  const sentMs = await records.firstWrittenAt(next.id);
  if (sentMs !== null) return { ageS: Math.max(0, now - sentMs / 1000), from: 'sent' };
  const seen = history.seenAt(next.id);
  return seen === null ? { ageS: null, from: 'unknown' } : { ageS: Math.max(0, now - seen), from: 'history' };
}

export async function overview(history: HistoryReader, redis: Redis, workers: readonly WorkerInfo[], range: OverviewRange, now = Date.now() / 1000): Promise<Overview> {
  const [span, width] = RANGES[range];
  const from = Math.floor((now - span) / width) * width;
  const n = Math.floor((now - from) / width) + 1; // the bucket now falls in is the last
  const at = Array.from({ length: n }, (_, i) => from + i * width);
  const succeeded = new Array<number>(n).fill(0);
  const failed = new Array<number>(n).fill(0);
  for (const b of history.throughput(from, width)) {
    if (b.bucket < 0 || b.bucket >= n) continue;
    succeeded[b.bucket] = b.succeeded;
    failed[b.bucket] = b.failed;
  }
  const tasks = history.taskFigures(from, span <= 3600 ? 60 : 3600);
  const online = workers.filter((w) => w.online).length;
  const workersOverTime = new Array<number | null>(n).fill(null);
  for (const s of history.workersOnline(from)) {
    const i = Math.floor((s.at - from) / width);
    if (i >= 0 && i < n) workersOverTime[i] = Math.max(workersOverTime[i] ?? 0, s.n);
  }
  // The bucket now falls in shows now's count (the connection service notes one every 15 s: room/connection-service.ts).
  workersOverTime[n - 1] = Math.max(workersOverTime[n - 1] ?? 0, online);
  const records = new TaskRecords(redis);
  const queues = await Promise.all((await listQueues(redis)).map(async (q) => {
    const oldest = q.depth > 0 ? await oldestAge(redis, records, history, q.name, now) : { ageS: null, from: null };
    return { name: q.name, depth: q.depth, paused: q.paused, oldestAgeS: oldest.ageS, oldestFrom: oldest.from };
  }));
  return { range, throughput: { at, succeeded, failed }, tasks, queues, workersOnline: online, workersOverTime };
}
