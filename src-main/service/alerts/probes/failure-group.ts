/**
 * failure-group: a group of failures seen for the first time, or one marked resolved that
 * fails again (a failure of it failed after the mark). The groups are read at most every
 * `everyMs`; between two reads the rule's episodes stay as they are. The first read is the
 * baseline: what exists when the control room starts watching is not new. A new group is news
 * once: its episode resolves at the next read. A regressed one holds while its triage says so.
 *
 * Incremental, so a read never holds the event loop for the whole history: the baseline reads
 * the newest failures page by page (letting the loop go between pages), and each read after it
 * reads only the failures written since the last one, keyed as the Failures view groups them
 * (causeOf; no traceback read). The newest FAILURES_SCANNED failures are kept by task id with
 * their key and when they failed, which the triage marks are counted against, as the Failures
 * view counts them.
 */
import type { AlertRule } from '../../contract/index.js';
import { CAUSE_CHARS, FAILURES_SCANNED, causeOf } from '../../overview/failure-groups.js';
import type { FailureKeyset, FailureRow } from '../../history/history-store.js';
import type { HistoryReader } from '../../history/history-reader.js';
import type { Readings } from './readings.js';

type FailureGroupRule = Extract<AlertRule, { kind: 'failure-group' }>;

/** The default time between two readings of the failure groups, ms. */
export const GROUPS_EVERY_MS = 30_000;
/** Failures read per page: the event loop is let go between two. */
export const FAILURE_PAGE_ROWS = 2_000;
/**
 * Group keys remembered as known at most (each up to a pattern long): past it the longest known
 * are forgotten first, and one of them failing again would be news again.
 */
export const MAX_KNOWN_GROUPS = 100_000;

/** A group as an alert words it. */
interface Cause {
  key: string;
  name: string;
  type: string;
  pattern: string;
  /** Its failures among those kept. */
  count: number;
}

export class FailureGroupWatch {
  /** Keys of every group seen since watching started (the baseline's too); null before the baseline. */
  private known: Set<string> | null = null;
  /** The newest failures by task id, oldest first: their group key and when they failed. */
  private readonly kept = new Map<string, { key: string; failedAt: number }>();
  private readonly causes = new Map<string, Cause>();
  /** Where the next read starts: failures written at or after it. */
  private since: FailureKeyset = { at: -Infinity, rowid: -1 };
  private readAt = -Infinity;
  private reading: Promise<void> | null = null;
  /** Of the last read: the groups new in it, and those regressed. */
  private fresh: { at: number; added: Cause[]; regressed: Array<{ cause: Cause; countSince: number }> } | null = null;
  /** What the groups depend on when last read: failures counted so far and the triage marks. */
  private stamp = '';

  constructor(private readonly everyMs = GROUPS_EVERY_MS, private readonly pageRows = FAILURE_PAGE_ROWS) {}

  /** The groups the rule holds for, as of a read in this evaluation; null when the groups were not read now. */
  async probe(rule: FailureGroupRule, r: Readings): Promise<Map<string, string> | null> {
    if (r.now !== this.readAt && r.now - this.readAt >= this.everyMs) {
      this.readAt = r.now;
      this.reading = this.read(r);
    }
    // Once per evaluation whatever the number of rules: the others wait for the same read.
    if (this.reading) await this.reading;
    if (!this.fresh || this.fresh.at !== r.now) return null;
    const holding = new Map<string, string>();
    if (rule.on !== 'regressed') for (const g of this.fresh.added) holding.set(g.key, `new failure group: ${words(g)} (${g.count} so far)`);
    if (rule.on !== 'new') for (const { cause, countSince } of this.fresh.regressed) holding.set(cause.key, `failure group failing again since it was resolved: ${words(cause)} (${countSince} since)`);
    return holding;
  }

  private async read(r: Readings): Promise<void> {
    const history = r.sources.history;
    // No failure since the last read and no mark changed: the groups are as they were (none
    // new), and no failure is read.
    const stamp = failureStamp(history);
    if (stamp === this.stamp && this.fresh) {
      this.fresh = { at: r.now, added: [], regressed: this.fresh.regressed };
      return;
    }
    this.stamp = stamp;
    let added: Cause[] = [];
    if (this.known === null) {
      // Failures written from now on are read by the next read (again, if the baseline has them too).
      const last = history.lastFailureWrite();
      await this.baseline(history);
      this.since = { at: last ?? -Infinity, rowid: -1 };
      this.known = new Set(this.causes.keys());
    } else {
      const marks = history.triageMarks();
      const keys = await this.readSince(history);
      // Ignored groups count as known: one ignored is not news when it fails again.
      // (A group whose failures a flood already pushed out of those kept is not worded.)
      added = [...keys].filter((k) => !this.known!.has(k) && marks.get(k)?.state !== 'ignored').flatMap((k) => this.causes.get(k) ?? []);
      for (const k of keys) {
        this.known.delete(k); // re-added last: the Set's order is how recently a key was seen
        this.known.add(k);
      }
      for (const k of this.known) {
        if (this.known.size <= MAX_KNOWN_GROUPS) break;
        this.known.delete(k);
      }
      added.sort((a, b) => b.count - a.count);
    }
    this.fresh = { at: r.now, added, regressed: this.regressed(history) };
  }

  /** The newest failures, page by page by when first seen, the event loop let go between pages. */
  private async baseline(history: HistoryReader): Promise<void> {
    // Keyed page by page (the keying is what costs); kept once all are read, oldest first.
    const read: Array<{ row: FailureRow; cause: ReturnType<typeof causeOf> }> = [];
    let before: FailureKeyset | null = null;
    while (read.length < FAILURES_SCANNED) {
      const page = history.failurePage(before, Math.min(this.pageRows, FAILURES_SCANNED - read.length), CAUSE_CHARS);
      for (const row of page) read.push({ row, cause: causeOf(row) });
      if (page.length < this.pageRows) break;
      const last = page[page.length - 1]!;
      before = { at: last.seen_at, rowid: last.rowid };
      await letGo();
    }
    for (let i = read.length - 1; i >= 0; i--) this.keep(read[i]!.row, read[i]!.cause);
  }

  /** The failures written since the last read, page by page; @returns their group keys. */
  private async readSince(history: HistoryReader): Promise<Set<string>> {
    const keys = new Set<string>();
    // Rows written at the same time as the last one read may have a lower rowid: read again
    // from that time on (reading a failure again changes nothing).
    let after: FailureKeyset = { at: this.since.at, rowid: -1 };
    for (;;) {
      const page = history.failuresWritten(after, this.pageRows, CAUSE_CHARS);
      for (const row of page) keys.add(this.keep(row, causeOf(row)));
      if (page.length === 0) break;
      const last = page[page.length - 1]!;
      after = { at: last.updated_at, rowid: last.rowid };
      this.since = after;
      if (page.length < this.pageRows) break;
      await letGo();
    }
    return keys;
  }

  /** Keeps one failure (the newest FAILURES_SCANNED are kept); @returns its group key. */
  private keep(row: FailureRow, { key, name, type, pattern }: ReturnType<typeof causeOf>): string {
    const was = this.kept.get(row.id);
    if (was) {
      this.kept.delete(row.id);
      this.count(was.key, -1);
    }
    this.kept.set(row.id, { key, failedAt: row.failed_at });
    const cause = this.causes.get(key);
    if (cause) cause.count++;
    else this.causes.set(key, { key, name, type, pattern, count: 1 });
    while (this.kept.size > FAILURES_SCANNED) {
      const [oldest, { key: gone }] = this.kept.entries().next().value as [string, { key: string }];
      this.kept.delete(oldest);
      this.count(gone, -1);
    }
    return key;
  }

  private count(key: string, by: number): void {
    const cause = this.causes.get(key);
    if (!cause) return;
    cause.count += by;
    // A group none of whose failures is kept any more is forgotten (its key stays known).
    if (cause.count <= 0) this.causes.delete(key);
  }

  /** Groups marked resolved with a failure kept that failed after the mark, and how many did. */
  private regressed(history: HistoryReader): Array<{ cause: Cause; countSince: number }> {
    const resolved = new Map<string, number>();
    for (const [key, m] of history.triageMarks()) if (m.state === 'resolved') resolved.set(key, m.at);
    if (resolved.size === 0) return [];
    const since = new Map<string, number>();
    for (const { key, failedAt } of this.kept.values()) {
      const at = resolved.get(key);
      if (at !== undefined && failedAt > at) since.set(key, (since.get(key) ?? 0) + 1);
    }
    return [...since].map(([key, countSince]) => ({ cause: this.causes.get(key)!, countSince })).sort((a, b) => b.cause.count - a.cause.count);
  }
}

const letGo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Failures and retries the history counted so far, and the triage marks, as one string. */
function failureStamp(history: HistoryReader): string {
  const counts = history.metricCounts();
  const failures = counts.failed.reduce((n, f) => n + f.n, 0) + counts.tasks.reduce((n, t) => n + t.retried, 0);
  const marks = [...history.triageMarks()].map(([key, m]) => `${key}\u001e${m.state}\u001e${m.at}`).join('\u001d');
  return `${failures}\u001d${marks}`;
}

function words(g: Cause): string {
  const pattern = g.pattern.length > 200 ? `${g.pattern.slice(0, 200)}…` : g.pattern;
  return `${g.name}: ${g.type}${pattern ? `(${pattern})` : ''}`;
}
