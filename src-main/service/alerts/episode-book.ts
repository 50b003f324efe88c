/**
 * A connection's alert episodes: one per (rule, subject), fired once when its condition starts
 * to hold and resolved once when it stops. The book is told, per rule, which subjects hold now;
 * it opens the episodes that are new and closes those that went, and nothing else: a condition
 * that keeps holding fires nothing more. Kept bounded (the newest ALERT_HISTORY_LIMIT episodes,
 * firing ones first) and, with a file, written through (atomically) so the view's history and
 * what is firing survive a restart.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../room/atomic-file.js';
import { ALERT_HISTORY_LIMIT, ALERT_KINDS } from '../contract/limits.js';
import type { Alert, AlertKind } from '../contract/types/alerts.js';

/** What holds of one rule now: each subject, with the line a person reads. */
export type Holding = ReadonlyMap<string, string>;

/** The rule an episode is of, as the book needs it. */
export interface EpisodeRule {
  id: string;
  name: string;
  kind: AlertKind;
}

const keyOf = (ruleId: string, subject: string): string => `${ruleId}\u001f${subject}`;
/** An episode's summary is kept to this many characters (a name from outside may be long). */
const SUMMARY_CHARS = 1000;

export class EpisodeBook {
  /** Firing, by rule and subject. */
  private readonly firing = new Map<string, Alert>();
  /** Resolved, the newest last. */
  private resolved: Alert[] = [];
  private dirty = false;

  /** @param file where the episodes are kept; null: in memory */
  constructor(private readonly file: string | null) {
    if (file) this.load(file);
  }

  /**
   * Settles one rule: `holding` is every subject its condition holds for now.
   * @returns the episodes this fired and resolved
   */
  settle(rule: EpisodeRule, holding: Holding, now = Date.now()): Alert[] {
    const changes: Alert[] = [];
    for (const [key, alert] of this.firing) {
      if (alert.ruleId !== rule.id || holding.has(alert.subject)) continue;
      changes.push(this.resolve(key, alert, now));
    }
    for (const [subject, summary] of holding) {
      const key = keyOf(rule.id, subject);
      if (this.firing.has(key)) continue;
      const alert: Alert = { id: randomUUID(), ruleId: rule.id, ruleName: rule.name, kind: rule.kind, subject, state: 'firing', summary: summary.length > SUMMARY_CHARS ? `${summary.slice(0, SUMMARY_CHARS - 1)}…` : summary, firedAt: now, resolvedAt: null };
      this.firing.set(key, alert);
      this.dirty = true;
      changes.push(alert);
    }
    return changes;
  }

  /** Resolves every episode of the rules not in `keep` (a rule removed, turned off or changed). */
  resolveRulesBut(keep: ReadonlySet<string>, now = Date.now()): Alert[] {
    const changes: Alert[] = [];
    for (const [key, alert] of this.firing) if (!keep.has(alert.ruleId)) changes.push(this.resolve(key, alert, now));
    return changes;
  }

  private resolve(key: string, alert: Alert, now: number): Alert {
    this.firing.delete(key);
    const done: Alert = { ...alert, state: 'resolved', resolvedAt: now };
    this.resolved.push(done);
    if (this.resolved.length > ALERT_HISTORY_LIMIT) this.resolved = this.resolved.slice(-ALERT_HISTORY_LIMIT);
    this.dirty = true;
    return done;
  }

  /** Firing now, the newest first. */
  firingNow(): Alert[] {
    return [...this.firing.values()].sort((a, b) => b.firedAt - a.firedAt);
  }

  /** Every episode kept, the newest fired first, at most `limit`. */
  history(limit = ALERT_HISTORY_LIMIT): Alert[] {
    return [...this.firing.values(), ...this.resolved].sort((a, b) => b.firedAt - a.firedAt).slice(0, limit);
  }

  /** Writes what changed since the last write. @throws the file system's error (kept dirty: the next flush tries again) */
  flush(): void {
    if (!this.file || !this.dirty) return;
    writeFileAtomic(this.file, JSON.stringify({ version: 1, episodes: this.history() }));
    this.dirty = false;
  }

  /** Reads the kept episodes; a file that cannot be read is started afresh (it is a view's history, not a source of truth). */
  private load(file: string): void {
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return;
    }
    const episodes = (stored as { episodes?: unknown }).episodes;
    if (!Array.isArray(episodes)) return;
    for (const e of episodes.slice(0, ALERT_HISTORY_LIMIT * 2)) {
      if (!isAlert(e)) continue;
      if (e.state === 'firing') this.firing.set(keyOf(e.ruleId, e.subject), e);
      else this.resolved.push(e);
    }
    this.resolved.sort((a, b) => a.firedAt - b.firedAt);
  }
}

function isAlert(e: unknown): e is Alert {
  if (typeof e !== 'object' || e === null) return false;
  const a = e as Record<string, unknown>;
  return typeof a.id === 'string' && typeof a.ruleId === 'string' && typeof a.ruleName === 'string' && (ALERT_KINDS as readonly unknown[]).includes(a.kind)
    && typeof a.subject === 'string' && (a.state === 'firing' || a.state === 'resolved') && typeof a.summary === 'string'
    && typeof a.firedAt === 'number' && (a.resolvedAt === null || typeof a.resolvedAt === 'number');
}
