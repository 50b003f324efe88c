/** What the Batches view shows: a batch's summary, its items, the notices it raises. */
import type { BatchItem, BatchMeta } from '../../../core/batch/store.js';

export interface BatchNotice {
  kind: 'finished' | 'failures';
  batchId: string;
  title: string;
  body: string;
}

export interface BatchItemView extends BatchItem {
  index: number;
  state: string;
  error?: { type: string; message: string };
  result?: string;
  progress?: { current: number; total: number };
}

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
