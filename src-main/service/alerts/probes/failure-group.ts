/**
 * failure-group: a group of failures seen for the first time, or one marked resolved that
 * fails again (its triage says regressed). Grouping reads the history's newest failures
 * (bounded, not free), so the groups are read at most every `everyMs`; between two reads the
 * rule's episodes stay as they are. The first read is the baseline: what exists when the
 * control room starts watching is not new. A new group is news once: its episode resolves at
 * the next read. A regressed one holds while its triage says so.
 */
import type { AlertRule, FailureGroup } from '../../contract/index.js';
import { failureGroups } from '../../overview/failure-groups.js';
import type { Readings } from './readings.js';

type FailureGroupRule = Extract<AlertRule, { kind: 'failure-group' }>;

/** The default time between two readings of the failure groups, ms. */
export const GROUPS_EVERY_MS = 30_000;

export class FailureGroupWatch {
  /** Keys of the first read (the baseline) and of the last one; null before the first read. */
  private first: Set<string> | null = null;
  private known = new Set<string>();
  private readAt = -Infinity;
  /** Of the last read: the groups new in it, and those regressed. */
  private fresh: { at: number; added: FailureGroup[]; regressed: FailureGroup[] } | null = null;

  constructor(private readonly everyMs = GROUPS_EVERY_MS) {}

  /** What the groups depend on when last read: failures counted so far and the triage marks. */
  private stamp = '';

  /** Reads the groups when due (once per evaluation whatever the number of rules). */
  private read(r: Readings): void {
    if (r.now === this.readAt || r.now - this.readAt < this.everyMs) return;
    this.readAt = r.now;
    // No failure since the last read and no mark changed: the groups are as they were (none
    // new), and the grouping (not free over a large history) is not done again.
    const stamp = failureStamp(r);
    if (stamp === this.stamp && this.fresh) {
      this.fresh = { at: r.now, added: [], regressed: this.fresh.regressed };
      return;
    }
    this.stamp = stamp;
    // Ignored groups too: one ignored now is not new when it is shown again.
    const { groups } = failureGroups(r.sources.history, { includeIgnored: true });
    const keys = new Set(groups.map((g) => g.key));
    const first = this.first;
    const added = first === null ? [] : groups.filter((g) => !this.known.has(g.key) && !first.has(g.key));
    this.first ??= keys;
    this.known = keys;
    this.fresh = { at: r.now, added, regressed: groups.filter((g) => g.triage.regressed) };
  }

  /** The groups the rule holds for, as of a read in this evaluation; null when the groups were not read now. */
  probe(rule: FailureGroupRule, r: Readings): Map<string, string> | null {
    this.read(r);
    if (!this.fresh || this.fresh.at !== r.now) return null;
    const holding = new Map<string, string>();
    if (rule.on !== 'regressed') for (const g of this.fresh.added) holding.set(g.key, `new failure group: ${words(g)} (${g.count} so far)`);
    if (rule.on !== 'new') for (const g of this.fresh.regressed) holding.set(g.key, `failure group failing again since it was resolved: ${words(g)} (${g.triage.countSince} since)`);
    return holding;
  }
}

/** Failures and retries the history counted so far, and the triage marks, as one string. */
function failureStamp(r: Readings): string {
  const counts = r.sources.history.metricCounts();
  const failures = counts.failed.reduce((n, f) => n + f.n, 0) + counts.tasks.reduce((n, t) => n + t.retried, 0);
  const marks = [...r.sources.history.triageMarks()].map(([key, m]) => `${key}\u001e${m.state}\u001e${m.at}`).join('\u001d');
  return `${failures}\u001d${marks}`;
}

function words(g: FailureGroup): string {
  const pattern = g.pattern.length > 200 ? `${g.pattern.slice(0, 200)}…` : g.pattern;
  return `${g.name}: ${g.exceptionType}${pattern ? `(${pattern})` : ''}`;
}
