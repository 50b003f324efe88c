/**
 * Failures grouped by cause: task name + exception type + its message with ids, numbers, paths
 * and addresses normalised, so "KeyError('user 1234')" and "KeyError('user 99')" are one group.
 * Read from the history (Python's failures too), the newest FAILURE and RETRY tasks, bounded:
 * a cause is read from the exception's beginning (CAUSE_CHARS), and a traceback only for the
 * newest task of the largest groups (TRACEBACK_GROUPS), each cut to GROUP_TRACEBACK_CHARS, so
 * grouping tens of thousands of failures with large tracebacks reads a few megabytes, not all
 * of them. Each group carries its triage (the user's mark, kept in the history:
 * history/failure-triage.ts): failures since it was marked, and whether a resolved one regressed.
 */
import type { HistoryReader } from '../history/history-reader.js';
import { cutTraceback } from '../history/field-cut.js';
import type { FailureGroup, FailureTriage } from '../contract/types/tasks.js';
import type { TriageMark } from '../history/failure-triage.js';

/** Failures read at most per call, newest first. */
export const FAILURES_SCANNED = 50_000;
const GROUP_TASKS = 200;
/** Of an exception, the characters its cause is read from: the rest of a long one is never read. */
export const CAUSE_CHARS = 2048;
/**
 * Characters of a normalised message kept as its pattern: two that differ only past them are one
 * group (its pattern ends with '…'). Well within CAUSE_CHARS, so where the read stopped (which
 * moves with the length of the numbers and ids before it) is not part of the pattern.
 */
export const PATTERN_CHARS = 1000;
/** Groups (the largest first) whose newest task's traceback is read. */
export const TRACEBACK_GROUPS = 100;
/** Characters kept of a group's traceback (its beginning and last line, as the field cut keeps them). */
export const GROUP_TRACEBACK_CHARS = 16 * 1024;

/** A message's variable parts replaced, in an order where the longer forms go first. */
export function normaliseMessage(message: string): string {
  return message
    .slice(0, 2000)
    .replace(/https?:\/\/\S+/g, '<url>')
    .replace(/[\w.+-]+@[\w-]+\.[\w.-]+/g, '<email>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    .replace(/(?:[A-Za-z]:)?(?:[\\/][\w.@%+-]+){2,}[\\/]?/g, '<path>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
    .replace(/\b[0-9a-f]{12,}\b/gi, '<hex>')
    .replace(/-?\b\d+(?:\.\d+)?\b/g, '<n>');
}

/**
 * `ValueError('boom')` as its type and message. An exception longer than CAUSE_CHARS arrives
 * cut (one character more than CAUSE_CHARS says so): its message is what was read.
 */
function splitException(exception: string | null): [string, string] {
  if (!exception) return ['(no exception)', ''];
  if (exception.length > CAUSE_CHARS) {
    const read = exception.slice(0, CAUSE_CHARS).trimStart();
    const m = /^([\w.]+)\(([\s\S]*)$/.exec(read);
    if (!m) return [read.split(/[:(\s]/)[0] || read, read];
    return [m[1]!, m[2]!.replace(/^['"]/, '')];
  }
  const m = /^([\w.]+)\(([\s\S]*)\)$/.exec(exception.trim());
  if (!m) return [exception.split(/[:(\s]/)[0] || exception, exception];
  // A repr's quotes around a single message are not part of it.
  return [m[1]!, m[2]!.replace(/^(['"])([\s\S]*)\1$/, '$2')];
}

/** A failure's cause: its task name, exception type and normalised message, and the group key they make. */
export function causeOf(r: { name: string | null; exception: string | null }): { key: string; name: string; type: string; pattern: string } {
  const [type, message] = splitException(r.exception);
  const normalised = normaliseMessage(message);
  const cut = (r.exception?.length ?? 0) > CAUSE_CHARS || normalised.length > PATTERN_CHARS;
  const pattern = cut ? `${normalised.slice(0, PATTERN_CHARS)}…` : normalised;
  const name = r.name ?? '(unnamed)';
  return { key: `${name}\u001f${type}\u001f${pattern}`, name, type, pattern };
}

/** The task name a group key starts with, as the history holds it (null: the unnamed). */
export function keyTaskName(key: string): string | null {
  const name = key.slice(0, Math.max(0, key.indexOf('\u001f')));
  return name === '(unnamed)' ? null : name;
}

/** A group's triage before its failures are counted: open until marked. */
function triageOf(mark: TriageMark | null | undefined): FailureTriage {
  return mark ? { state: mark.state, at: mark.at, countSince: 0, regressed: false } : { state: 'open', at: null, countSince: 0, regressed: false };
}

/**
 * Counts one of the group's failures into its triage: every one while open, once marked those
 * that failed after the mark (a task that failed again under its id counts by when it failed
 * last). A resolved group with any has regressed.
 */
function countInto(triage: FailureTriage, failedAt: number): void {
  if (triage.at !== null && failedAt <= triage.at) return;
  triage.countSince++;
  triage.regressed = triage.state === 'resolved';
}

/** One group's triage now, given its mark (null: open), counted over the same failures the groups are. */
export function groupTriage(history: HistoryReader, key: string, mark: TriageMark | null): FailureTriage {
  const triage = triageOf(mark);
  for (const r of history.failures(FAILURES_SCANNED, CAUSE_CHARS)) {
    if (causeOf(r).key === key) countInto(triage, r.failed_at);
  }
  return triage;
}

/**
 * The failure groups, the largest first, each with its triage; groups marked ignored are left
 * out unless `includeIgnored` (`ignored` counts them either way).
 */
export function failureGroups(history: HistoryReader, options: { includeIgnored?: boolean } = {}): { groups: FailureGroup[]; scanned: number; truncated: boolean; ignored: number } {
  const marks = history.triageMarks();
  const groups = new Map<string, FailureGroup & { newest: string }>();
  let scanned = 0;
  let truncated = false;
  for (const r of history.failures(FAILURES_SCANNED + 1, CAUSE_CHARS)) {
    // The iterator is read to its end (the database stays busy until it is).
    if (scanned === FAILURES_SCANNED) { truncated = true; continue; }
    scanned++;
    const { key, name, type, pattern } = causeOf(r);
    let g = groups.get(key);
    // Rows come newest first: a group's first row is its newest, whose traceback it shows.
    if (!g) groups.set(key, (g = { key, name, exceptionType: type, pattern, count: 0, retrying: 0, firstSeen: r.seen_at, lastSeen: r.seen_at, traceback: null, tasks: [], newest: r.id, triage: triageOf(marks.get(key)) }));
    g.count++;
    countInto(g.triage, r.failed_at);
    if (r.state === 'RETRY') g.retrying++;
    g.firstSeen = Math.min(g.firstSeen, r.seen_at);
    g.lastSeen = Math.max(g.lastSeen, r.seen_at);
    if (g.tasks.length < GROUP_TASKS) g.tasks.push({ id: r.id, state: r.state });
  }
  let ignored = 0;
  for (const g of groups.values()) if (g.triage.state === 'ignored') ignored++;
  const shown = options.includeIgnored ? [...groups.values()] : [...groups.values()].filter((g) => g.triage.state !== 'ignored');
  const sorted = shown.sort((a, b) => b.count - a.count || b.lastSeen - a.lastSeen);
  const out = sorted.map(({ newest, ...g }, i): FailureGroup => {
    if (i >= TRACEBACK_GROUPS) return { ...g, tracebackOmitted: `Tracebacks are read for the ${TRACEBACK_GROUPS} largest groups only: a task's page shows its own.` };
    const traceback = history.traceback(newest);
    return { ...g, traceback: traceback === null ? null : cutTraceback(traceback, GROUP_TRACEBACK_CHARS) };
  });
  return { groups: out, scanned, truncated, ignored };
}

/** Every id of a group's tasks in a given state (for retry all / revoke the rest), at most FAILURES_SCANNED. */
export function groupIds(history: HistoryReader, key: string, state: 'FAILURE' | 'RETRY'): string[] {
  const ids: string[] = [];
  for (const r of history.failures(FAILURES_SCANNED, CAUSE_CHARS)) {
    if (r.state === state && causeOf(r).key === key) ids.push(r.id);
  }
  return ids;
}
