/**
 * The history as handlers see it: a read-only face. The history has one writer, its feed
 * (history-feed.ts), which merges every source by Celery's precedence (merge.ts); what a handler
 * reads itself from Redis (a task's record, its stored result) it hands to the feed with
 * `handToFeed`, and never writes. The face is an object of its own, not the store cast to a
 * narrower type: nothing reached through it can write, and it follows the store the feed swaps
 * in (a damaged file replaced, the file opened at last).
 */
import type { HistoryStore, Report } from './history-store.js';
import type { TaskLink } from '../contract/types/resend.js';
import type { TriageMark, TriageMarkState } from './failure-triage.js';

/** The store's methods that only read. */
export const READER_METHODS = [
  'get', 'attempts', 'search', 'ids', 'count', 'exportChunk', 'unnamed', 'seenAt', 'ungroupedNear', 'groupProgress',
  'stateCounts', 'recentNames', 'failures', 'traceback', 'throughput', 'taskFigures', 'workersOnline', 'metricCounts',
  'resendLinks', 'triageMarks', 'failuresNamed', 'failurePage', 'failuresWritten', 'lastFailureWrite',
] as const satisfies ReadonlyArray<keyof HistoryStore>;

/** The history, read only. */
export type HistoryReader = Pick<HistoryStore, (typeof READER_METHODS)[number]>;

/** What handlers are handed: the history to read, and the feed to tell what they read themselves. */
export interface HistoryFace extends HistoryReader {
  /**
   * Hands what a view read itself (a record, a stored result) to the feed, the history's one
   * writer, which folds it in and tells the lists only when it changed a row.
   */
  handToFeed(reports: readonly Report[]): void;
  /** Hands the feed a task resent from a view (edit and resend), to be kept both ways. */
  handResend(link: TaskLink): void;
  /**
   * Hands the feed a user's mark on a failure group (resolved, ignored, open again), written at
   * once: the next read shows it. @returns the mark now (null: open) @throws when the file cannot take it
   */
  markTriage(key: string, state: TriageMarkState | 'open'): TriageMark | null;
}

/** The read-only face of whichever store `current` returns. */
export function historyFace(current: () => HistoryStore, handToFeed: (reports: readonly Report[]) => void, handResend: (link: TaskLink) => void, markTriage: HistoryFace['markTriage']): HistoryFace {
  const face: Record<string, unknown> = { handToFeed, handResend, markTriage };
  for (const method of READER_METHODS) {
    face[method] = (...args: unknown[]) => {
      const store = current();
      return (store[method] as (...a: unknown[]) => unknown).apply(store, args);
    };
  }
  return face as unknown as HistoryFace;
}
