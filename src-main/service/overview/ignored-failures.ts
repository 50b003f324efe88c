/**
 * The failures of groups marked ignored, which the summary bar leaves out of its failed count.
 * The bar is read by every view every few seconds, from counts kept as the history is written;
 * this one cannot be kept so (a group is a cause worked out from each task's exception), so it
 * is read, bounded, and kept between reads:
 * - only the FAILURE tasks of the ignored groups' task names are read (through the
 *   (state, name, seen_at) index), the newest IGNORED_SCANNED of them at most: past them an
 *   ignored group is counted short (its older failures stay in the bar's count);
 * - the count is kept per history and read again only when the ignored groups changed, or when
 *   the history's FAILURE count moved (then at most once every RECOUNT_MS: a storm of failures
 *   does not recount on every view's read), and once it is STALE_MS old (a failure replaced by
 *   another leaves the FAILURE count level);
 * - with no group ignored nothing is read.
 */
import type { HistoryReader } from '../history/history-reader.js';
import { CAUSE_CHARS, FAILURES_SCANNED, causeOf, keyTaskName } from './failure-groups.js';

/** FAILURE tasks read at most per count, newest first (as many as the groups read). */
export const IGNORED_SCANNED = FAILURES_SCANNED;
/** While failures come in, the count is read again at most this often. */
const RECOUNT_MS = 2000;
/** A count kept this long is read again whatever else changed. */
const STALE_MS = 60_000;

interface Kept {
  /** The ignored groups' keys it was counted for. */
  keys: string;
  /** The history's FAILURE count when it was counted. */
  failed: number;
  n: number;
  at: number;
}

/** The last count, per history (each connection's face). */
const kept = new WeakMap<HistoryReader, Kept>();

/**
 * How many FAILURE tasks belong to groups marked ignored.
 * @param failed the history's FAILURE count now (the bar read it already)
 */
export function ignoredFailures(history: HistoryReader, failed: number, now = Date.now()): number {
  const ignored: string[] = [];
  for (const m of history.triageMarks().values()) if (m.state === 'ignored') ignored.push(m.key);
  if (ignored.length === 0) return 0;
  const keys = ignored.sort().join('\u0000');
  const last = kept.get(history);
  const age = last ? now - last.at : Infinity;
  if (last && last.keys === keys && age < STALE_MS && (last.failed === failed || age < RECOUNT_MS)) return last.n;
  const wanted = new Set(ignored);
  let n = 0;
  for (const r of history.failuresNamed([...new Set(ignored.map(keyTaskName))], IGNORED_SCANNED, CAUSE_CHARS)) {
    if (wanted.has(causeOf(r).key)) n++;
  }
  kept.set(history, { keys, failed, n, at: now });
  return n;
}
