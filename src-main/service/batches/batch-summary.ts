/**
 * A batch's progress from its items' states: what the progress bar, the throughput and the
 * time left are computed from. Pure, so the numbers are tested without Redis.
 */
import type { BatchMeta } from '../../core/batch/store.js';
import type { ItemBucket, BatchSummary } from '../contract/types/batches.js';

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

/** What a batch's summary is made from: counts by bucket and the first start / last finish seen. */
export interface Tally {
  counts: Record<ItemBucket, number>;
  startedAt: number | null;
  finishedAt: number | null;
}

export function emptyTally(): Tally {
  return { counts: { succeeded: 0, failed: 0, running: 0, waiting: 0, revoked: 0 }, startedAt: null, finishedAt: null };
}

/** Counts one item in (sign 1) or out (sign -1) of a tally, and widens its time span. */
export function tallyItem(tally: Tally, bucket: ItemBucket, s: ItemState | undefined, sign: 1 | -1 = 1): void {
  tally.counts[bucket] += sign;
  if (sign < 0 || !s) return;
  if (s.started !== undefined && (tally.startedAt === null || s.started < tally.startedAt)) tally.startedAt = s.started;
  if ((bucket === 'succeeded' || bucket === 'failed' || bucket === 'revoked') && s.finished !== undefined && (tally.finishedAt === null || s.finished > tally.finishedAt)) tally.finishedAt = s.finished;
}

/** The summary from a tally: done, finished, rate and time left. */
export function fromTally(meta: BatchMeta, tally: Tally): BatchSummary {
  const { counts, startedAt, finishedAt } = tally;
  const done = counts.succeeded + counts.failed + counts.revoked;
  const finished = done === meta.total;
  const elapsed = startedAt !== null && finishedAt !== null ? (finishedAt - startedAt) / 1000 : 0;
  const rate = done >= 2 && elapsed > 0 ? done / elapsed : null;
  const secondsLeft = finished ? null : rate ? (meta.total - done) / rate : null;
  return { ...meta, counts: { ...counts }, done, finished, rate, secondsLeft, startedAt, finishedAt };
}

/** A summary counted from every item's state (the tracker keeps a tally instead, updated per change). */
export function summarize(meta: BatchMeta, states: Iterable<ItemState | undefined>): BatchSummary {
  const tally = emptyTally();
  for (const s of states) tallyItem(tally, bucketOf(s?.state), s);
  return fromTally(meta, tally);
}
