/**
 * The Overview view's figures, from the history (Python's tasks too) and Redis: finished tasks
 * per bucket over a range, runtime p50/p95 and failure rate per task name, each queue's depth
 * and the age of its oldest waiting message, workers online.
 */
import type { Redis } from 'ioredis';
import { queueListKeys } from '../core/keys.js';
import { peekTaskId } from '../core/protocol/decode.js';
import type { HistoryStore } from './history/history-store.js';
import { listQueues } from './queues.js';
import type { WorkerInfo } from './workers.js';

export const RANGES = { '15m': [900, 15], '1h': [3600, 60], '24h': [86_400, 900], '7d': [604_800, 3600] } as const;
export type OverviewRange = keyof typeof RANGES;

/** Finished tasks read at most for the per-task figures. */
const PER_TASK_ROWS = 200_000;

export interface Overview {
  range: OverviewRange;
  /** Bucket starts (unix s) and their counts, every bucket of the range (zeros included). */
  throughput: { at: number[]; succeeded: number[]; failed: number[] };
  tasks: Array<{ name: string; count: number; failureRate: number; p50: number | null; p95: number | null }>;
  queues: Array<{ name: string; depth: number; paused: boolean; oldestAgeS: number | null }>;
  workersOnline: number;
}

/** The q-th quantile of sorted values (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The age of a queue's next message (the consuming end), from when the history first saw it. */
async function oldestAge(redis: Redis, history: HistoryStore, queue: string, now: number): Promise<number | null> {
  for (const list of queueListKeys(queue)) {
    const raw = await redis.lindex(list, -1);
    if (raw === null) continue;
    const id = peekTaskId(raw);
    const seen = id ? history.seenAt(id) : null;
    return seen === null ? null : Math.max(0, now - seen);
  }
  return null;
}

export async function overview(history: HistoryStore, redis: Redis, workers: readonly WorkerInfo[], range: OverviewRange, now = Date.now() / 1000): Promise<Overview> {
  const [span, width] = RANGES[range];
  const from = Math.floor((now - span) / width) * width;
  const n = Math.ceil((now - from) / width);
  const at = Array.from({ length: n }, (_, i) => from + i * width);
  const succeeded = new Array<number>(n).fill(0);
  const failed = new Array<number>(n).fill(0);
  for (const b of history.throughput(from, width)) {
    if (b.bucket < 0 || b.bucket >= n) continue;
    succeeded[b.bucket] = b.succeeded;
    failed[b.bucket] = b.failed;
  }
  const byName = new Map<string, { count: number; failed: number; runtimes: number[] }>();
  for (const r of history.finishedSince(from, PER_TASK_ROWS)) {
    const name = r.name ?? '(unnamed)';
    let t = byName.get(name);
    if (!t) byName.set(name, (t = { count: 0, failed: 0, runtimes: [] }));
    t.count++;
    if (r.state === 'FAILURE') t.failed++;
    if (r.runtime !== null) t.runtimes.push(r.runtime);
  }
  const tasks = [...byName.entries()]
    .map(([name, t]) => {
      const sorted = t.runtimes.sort((a, b) => a - b);
      return { name, count: t.count, failureRate: t.failed / t.count, p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
    })
    .sort((a, b) => b.count - a.count);
  const queues = await Promise.all((await listQueues(redis)).map(async (q) => ({ name: q.name, depth: q.depth, paused: q.paused, oldestAgeS: q.depth > 0 ? await oldestAge(redis, history, q.name, now) : null })));
  return { range, throughput: { at, succeeded, failed }, tasks, queues, workersOnline: workers.filter((w) => w.online).length };
}
