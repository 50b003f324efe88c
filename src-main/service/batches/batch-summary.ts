/**
 * A batch's progress from its items' states: what the progress bar, the throughput and the
 * time left are computed from. Pure, so the numbers are tested without Redis.
 */
import type { BatchMeta } from '../../core/batch/store.js';

/** The states an item is counted under. */
export type ItemBucket = 'succeeded' | 'failed' | 'running' | 'waiting' | 'revoked';

export interface BatchSummary extends BatchMeta {
  counts: Record<ItemBucket, number>;
  /** succeeded + failed + revoked */
  done: number;
  finished: boolean;
  /** Items finished per second, over the batch's run so far (null before two have finished). */
  rate: number | null;
  /** At that rate (null when unknown or finished). */
  secondsLeft: number | null;
  /** unix ms: the first start and the last finish seen */
  startedAt: number | null;
  finishedAt: number | null;
}

export function bucketOf(state: string | undefined): ItemBucket {
  switch (state) {
    case 'SUCCESS':
      return 'succeeded';
    case 'FAILURE':
      return 'failed';
    case 'REVOKED':
      return 'revoked';
    case 'STARTED':
    case 'PROGRESS':
    case 'RETRY':
      return 'running';
    default:
      return 'waiting';
  }
}

export interface ItemState {
  state?: string;
  started?: number;
  finished?: number;
}

export function summarize(meta: BatchMeta, states: Iterable<ItemState | undefined>): BatchSummary {
  const counts: Record<ItemBucket, number> = { succeeded: 0, failed: 0, running: 0, waiting: 0, revoked: 0 };
  let startedAt: number | null = null;
  let finishedAt: number | null = null;
  for (const s of states) {
    const bucket = bucketOf(s?.state);
    counts[bucket]++;
    if (s?.started !== undefined && (startedAt === null || s.started < startedAt)) startedAt = s.started;
    if (bucket !== 'waiting' && bucket !== 'running' && s?.finished !== undefined && (finishedAt === null || s.finished > finishedAt)) finishedAt = s.finished;
  }
  const done = counts.succeeded + counts.failed + counts.revoked;
  const finished = done === meta.total;
  const elapsed = startedAt !== null && finishedAt !== null ? (finishedAt - startedAt) / 1000 : 0;
  const rate = done >= 2 && elapsed > 0 ? done / elapsed : null;
  const secondsLeft = finished ? null : rate ? (meta.total - done) / rate : null;
  return { ...meta, counts, done, finished, rate, secondsLeft, startedAt, finishedAt };
}
