/**
 * Evaluates a connection's alert rules in the service, on a timer: each enabled rule is probed
 * (the probes read the history, core's read models and the cluster, bounded), and the episode
 * book is told which subjects hold. Background work never throws out of its loop: a probe that
 * fails leaves its rule's episodes as they are, is logged once and said in the problems until
 * it works again; the next evaluation tries again.
 */
import type { Alert, AlertRule } from '../contract/types/alerts.js';
import { ruleName } from './alert-words.js';
import type { EpisodeBook } from './episode-book.js';
import { cappedSubjects } from './subject-cap.js';
import { EventSilence } from './probes/events-silent.js';
import { failureRate } from './probes/failure-rate.js';
import { FailureGroupWatch, GROUPS_EVERY_MS } from './probes/failure-group.js';
import { QueueHeads } from './probes/queue-age.js';
import { queueDepth } from './probes/queue-depth.js';
import { Readings, type AlertSources } from './probes/readings.js';
import { scheduleLate } from './probes/schedule-late.js';
import { workerOffline } from './probes/worker-offline.js';

export interface EvaluatorOptions {
  /** Time between two evaluations, ms. @default 5000 */
  intervalMs?: number;
  /** Time between two readings of the failure groups (they are not free to read), ms. @default 30000 */
  groupsEveryMs?: number;
}

/** Subjects one rule alerts at most per evaluation (a rule on every queue of a large Redis). */
export const MAX_SUBJECTS_PER_RULE = 50;
export const DEFAULT_EVALUATION_MS = 5000;
/** How long stopping waits for an evaluation under way (one stuck on a Redis that went away is left behind). */
const STOP_WAIT_MS = 2000;

export class AlertEvaluator {
  private readonly silence = new EventSilence();
  private readonly heads = new QueueHeads();
  private readonly groups: FailureGroupWatch;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  /** How many times stopping gave up waiting: an evaluation still under way then is left undelivered. */
  private stops = 0;
  /** What went wrong in the last evaluation, by rule id ('' for the evaluation itself). */
  private failures = new Map<string, string>();
  /** Problems logged already (each is logged once until it goes away). */
  private readonly logged = new Set<string>();
  /** When the rules were last evaluated (unix ms), or null. */
  evaluatedAt: number | null = null;
  /** Each rule's settings as last evaluated (its name aside), to tell a changed rule. */
  private seen = new Map<string, string>();

  /**
   * @param rules the enabled rules now (read from the settings at each evaluation)
   * @param onChanges episodes fired and resolved by one evaluation (never awaited)
   */
  constructor(
    private readonly sources: AlertSources,
    private readonly rules: () => readonly AlertRule[],
    private readonly book: EpisodeBook,
    private readonly onChanges: (changes: Alert[]) => void,
    options: EvaluatorOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_EVALUATION_MS;
    this.groups = new FailureGroupWatch(options.groupsEveryMs ?? GROUPS_EVERY_MS);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<void>((r) => (timer = setTimeout(() => (this.stops++, r()), STOP_WAIT_MS)));
    await Promise.race([this.running, givenUp]);
    clearTimeout(timer);
  }

  /** Events came from the cluster (on the event path: notes the time only). */
  noteEvents(): void {
    this.silence.noteEvents();
  }

  /** What keeps rules from being evaluated now, one line each. */
  problems(): string[] {
    return [...this.failures.values()];
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.evaluate().finally(() => {
        this.running = null;
        this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  /** One evaluation of every enabled rule; never throws. */
  async evaluate(now = Date.now()): Promise<void> {
    const stops = this.stops;
    const failures = new Map<string, string>();
    const changes: Alert[] = [];
    try {
      const rules = this.rules().filter((r) => r.enabled);
      // A rule turned off, deleted or changed resolves what it had firing; a changed one fires
      // again at once where its new settings hold.
      const seen = new Map(rules.map((r) => [r.id, settingsOf(r)]));
      const kept = new Set(rules.filter((r) => this.seen.get(r.id) === undefined || this.seen.get(r.id) === seen.get(r.id)).map((r) => r.id));
      this.seen = seen;
      changes.push(...this.book.resolveRulesBut(kept, now));
      const connected = this.silence.noteConnection(this.sources.app.broker.status === 'ready', now);
      const readings = new Readings(this.sources, now);
      for (const rule of rules) {
        // The event path runs between two rules: a probe that only reads the history (SQLite,
        // synchronous) would otherwise hold the event loop for every rule in a row.
        await new Promise((resolve) => setImmediate(resolve));
        try {
          // Probes that read Redis are not run while it is away: the rule's episodes stay as they are.
          const holding = needsRedis(rule) && !connected ? null : await this.probe(rule, readings);
          if (holding === null) continue;
          if (holding.size > MAX_SUBJECTS_PER_RULE) failures.set(rule.id, `rule "${ruleName(rule)}" holds for ${holding.size} subjects: ${MAX_SUBJECTS_PER_RULE} are alerted (those firing already, then by name)`);
          const alerted = holding.size > MAX_SUBJECTS_PER_RULE ? cappedSubjects(holding, this.firingSubjects(rule.id), MAX_SUBJECTS_PER_RULE) : holding;
          changes.push(...this.book.settle({ id: rule.id, name: ruleName(rule), kind: rule.kind }, alerted, now));
        } catch (err) {
          failures.set(rule.id, `rule "${ruleName(rule)}" could not be evaluated: ${(err as Error).message}`);
        }
      }
      this.evaluatedAt = now;
    } catch (err) {
      failures.set('', `the alert rules could not be evaluated: ${(err as Error).message}`);
    }
    // Stopping gave up on it meanwhile: what this evaluation found is not delivered (what it
    // settled is, when it ends while stopping waits: the webhook sends it as it drains).
    if (this.stops !== stops) return;
    if (changes.length > 0) {
      try {
        this.onChanges(changes);
      } catch (err) {
        failures.set('', `alerts could not be delivered: ${(err as Error).message}`);
      }
    }
    this.failures = failures;
    this.logNew(failures);
  }

  /** The subjects a rule has firing now. */
  private firingSubjects(ruleId: string): Set<string> {
    return new Set(this.book.firingNow().filter((a) => a.ruleId === ruleId).map((a) => a.subject));
  }

  private probe(rule: AlertRule, r: Readings): Promise<Map<string, string> | null> | Map<string, string> | null {
    switch (rule.kind) {
      case 'failure-rate':
        return failureRate(rule, r);
      case 'failure-group':
        return this.groups.probe(rule, r);
      case 'queue-depth':
        return queueDepth(rule, r);
      case 'queue-age':
        return this.heads.probe(rule, r);
      case 'worker-offline':
        return workerOffline(rule, r);
      case 'schedule-late':
        return scheduleLate(rule, r);
      case 'events-silent':
        return this.silence.probe(rule, r.now);
    }
  }

  /** Logs each problem once, until it goes away. */
  private logNew(problems: ReadonlyMap<string, string>): void {
    const now = new Set(problems.values());
    for (const p of now) if (!this.logged.has(p)) console.warn(`[Alerts] ${p}`);
    for (const p of this.logged) if (!now.has(p)) this.logged.delete(p);
    for (const p of now) this.logged.add(p);
  }
}

/** A rule's settings as one string, its name aside (renaming a rule changes no episode). */
function settingsOf(rule: AlertRule): string {
  const { name: _name, ...rest } = rule;
  return JSON.stringify(rest);
}

/** Rules whose probe reads Redis (the rest read the history or the event stream's clock). */
function needsRedis(rule: AlertRule): boolean {
  return rule.kind === 'queue-depth' || rule.kind === 'queue-age' || rule.kind === 'worker-offline' || rule.kind === 'schedule-late';
}
