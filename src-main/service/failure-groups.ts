/**
 * Failures grouped by cause: task name + exception type + its message with ids, numbers, paths
 * and addresses normalised, so "KeyError('user 1234')" and "KeyError('user 99')" are one group.
 * Read from the history (Python's failures too), the newest FAILURE and RETRY tasks, bounded.
 */
import type { HistoryStore } from './history/history-store.js';

export interface FailureGroup {
  /** The group's identity: name, type and pattern. */
  key: string;
  name: string;
  exceptionType: string;
  /** The message with its variable parts as <id>, <n>, <path>, <hex>, <email>, <url>. */
  pattern: string;
  count: number;
  /** How many are retrying still (RETRY): "revoke the rest" stops them. */
  retrying: number;
  /** unix seconds */
  firstSeen: number;
  lastSeen: number;
  /** The newest one's traceback. */
  traceback: string | null;
  /** Its tasks, newest first (at most GROUP_TASKS). */
  tasks: Array<{ id: string; state: string }>;
}

/** Failures read at most per call, newest first. */
export const FAILURES_SCANNED = 50_000;
const GROUP_TASKS = 200;

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

/** `ValueError('boom')` as its type and message. */
function splitException(exception: string | null): [string, string] {
  if (!exception) return ['(no exception)', ''];
  const m = /^([\w.]+)\(([\s\S]*)\)$/.exec(exception.trim());
  if (!m) return [exception.split(/[:(\s]/)[0] || exception, exception];
  // A repr's quotes around a single message are not part of it.
  return [m[1]!, m[2]!.replace(/^(['"])([\s\S]*)\1$/, '$2')];
}

/** A failure's cause: its task name, exception type and normalised message, and the group key they make. */
function causeOf(r: { name: string | null; exception: string | null }): { key: string; name: string; type: string; pattern: string } {
  const [type, message] = splitException(r.exception);
  const pattern = normaliseMessage(message);
  const name = r.name ?? '(unnamed)';
  return { key: `${name}\u001f${type}\u001f${pattern}`, name, type, pattern };
}

export function failureGroups(history: HistoryStore): { groups: FailureGroup[]; scanned: number; truncated: boolean } {
  const rows = history.failures(FAILURES_SCANNED + 1);
  const truncated = rows.length > FAILURES_SCANNED;
  const groups = new Map<string, FailureGroup>();
  for (const r of rows.slice(0, FAILURES_SCANNED)) {
    const { key, name, type, pattern } = causeOf(r);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, name, exceptionType: type, pattern, count: 0, retrying: 0, firstSeen: r.seen_at, lastSeen: r.seen_at, traceback: r.traceback, tasks: [] }));
    g.count++;
    if (r.state === 'RETRY') g.retrying++;
    g.firstSeen = Math.min(g.firstSeen, r.seen_at);
    g.lastSeen = Math.max(g.lastSeen, r.seen_at);
    if (g.tasks.length < GROUP_TASKS) g.tasks.push({ id: r.id, state: r.state });
  }
  return { groups: [...groups.values()].sort((a, b) => b.count - a.count || b.lastSeen - a.lastSeen), scanned: Math.min(rows.length, FAILURES_SCANNED), truncated };
}

/** Every id of a group's tasks in a given state (for retry all / revoke the rest), at most FAILURES_SCANNED. */
export function groupIds(history: HistoryStore, key: string, state: 'FAILURE' | 'RETRY'): string[] {
  const ids: string[] = [];
  for (const r of history.failures(FAILURES_SCANNED)) {
    if (r.state === state && causeOf(r).key === key) ids.push(r.id);
  }
  return ids;
}
