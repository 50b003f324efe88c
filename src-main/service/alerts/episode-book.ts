/**
 * A connection's alert episodes: one per (rule, subject), fired once when its condition starts
 * to hold and resolved once when it stops. The book is told, per rule, which subjects hold now;
 * it opens the episodes that are new and closes those that went, and nothing else: a condition
 * that keeps holding fires nothing more. Kept bounded: every firing episode (at most
 * MAX_FIRING_EPISODES, the evaluator's caps) and the newest resolved ones, up to
 * ALERT_HISTORY_LIMIT in all. With a file, it is written through (atomically) with every firing
 * episode in it, however long ago it fired, so a restart does not fire it again; the file is read
 * only up to MAX_EPISODES_FILE_BYTES.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../room/atomic-file.js';
import { ALERT_HISTORY_LIMIT, ALERT_KINDS, MAX_ALERT_RULES } from '../contract/limits.js';
import { MAX_SUBJECTS_PER_RULE } from './alert-evaluator.js';
import type { Alert, AlertKind } from '../contract/types/alerts.js';

/** What holds of one rule now: each subject, with the line a person reads. */
export type Holding = ReadonlyMap<string, string>;

/** The rule an episode is of, as the book needs it. */
export interface EpisodeRule {
  id: string;
  name: string;
  kind: AlertKind;
}

/** Episodes firing at once at most: the evaluator alerts at most this many subjects per rule. */
export const MAX_FIRING_EPISODES = MAX_ALERT_RULES * MAX_SUBJECTS_PER_RULE;
/** An episode as JSON at most, with room to spare: ids, names and a subject of a few hundred characters, a summary of SUMMARY_CHARS. */
const EPISODE_JSON_BYTES = 8 * 1024;
/** The episodes file is read up to this size; past it, it is not ours to trust (started afresh). */
export const MAX_EPISODES_FILE_BYTES = (MAX_FIRING_EPISODES + ALERT_HISTORY_LIMIT) * EPISODE_JSON_BYTES;

const keyOf = (ruleId: string, subject: string): string => `${ruleId}\u001f${subject}`;
/** An episode's summary is kept to this many characters (a name from outside may be long). */
const SUMMARY_CHARS = 1000;

export class EpisodeBook {
  /** Firing, by rule and subject. */
  private readonly firing = new Map<string, Alert>();
  /** Resolved, the newest last. */
  private resolved: Alert[] = [];
  private dirty = false;
  /** Why the kept episodes were not read (the file started afresh), or null. */
  loadProblem: string | null = null;

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

  /** What the file keeps: every firing episode, then the newest resolved ones up to ALERT_HISTORY_LIMIT in all. */
  kept(): Alert[] {
    const firing = this.firingNow();
    const room = Math.max(0, ALERT_HISTORY_LIMIT - firing.length);
    return [...firing, ...(room > 0 ? this.resolved.slice(-room).reverse() : [])];
  }

  /** Writes what changed since the last write. @throws the file system's error (kept dirty: the next flush tries again) */
  flush(): void {
    if (!this.file || !this.dirty) return;
    writeFileAtomic(this.file, JSON.stringify({ version: 1, episodes: this.kept() }));
    this.dirty = false;
  }

  /** Reads the kept episodes; a file that cannot be read is started afresh (it is a view's history, not a source of truth). */
  private load(file: string): void {
    let stored: unknown;
    try {
      const size = statSync(file).size;
      if (size > MAX_EPISODES_FILE_BYTES) {
        this.loadProblem = `${file} is larger than ${MAX_EPISODES_FILE_BYTES} bytes (${size}): the alert history started afresh`;
        return;
      }
      stored = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return;
    }
    const episodes = (stored as { episodes?: unknown }).episodes;
    if (!Array.isArray(episodes)) return;
    for (const e of episodes) {
      if (!isAlert(e)) continue;
      if (e.state === 'firing') {
        if (this.firing.size < MAX_FIRING_EPISODES) this.firing.set(keyOf(e.ruleId, e.subject), e);
      } else if (this.resolved.length < ALERT_HISTORY_LIMIT) this.resolved.push(e);
    }
    this.resolved.sort((a, b) => (a.resolvedAt ?? a.firedAt) - (b.resolvedAt ?? b.firedAt));
  }
}

function isAlert(e: unknown): e is Alert {
  if (typeof e !== 'object' || e === null) return false;
  const a = e as Record<string, unknown>;
  return typeof a.id === 'string' && typeof a.ruleId === 'string' && typeof a.ruleName === 'string' && (ALERT_KINDS as readonly unknown[]).includes(a.kind)
    && typeof a.subject === 'string' && (a.state === 'firing' || a.state === 'resolved') && typeof a.summary === 'string'
    && typeof a.firedAt === 'number' && (a.resolvedAt === null || typeof a.resolvedAt === 'number');
}
