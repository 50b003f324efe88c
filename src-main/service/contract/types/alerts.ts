/** Alerts: the rules a connection keeps, and the episodes they fire. */

/** What every rule has. */
interface RuleBase {
  /** Stable id (the page makes one when it adds a rule). */
  id: string;
  /** What the user calls it; the kind's own words when empty. */
  name: string;
  enabled: boolean;
}

/** A rule: what is watched, and past what it fires. */
export type AlertRule = RuleBase &
  (
    | { kind: 'failure-rate'; /** a task name, or null for each task name */ task: string | null; percent: number; windowSeconds: number; /** fewer ended tasks in the window never fire */ minTasks: number }
    | { kind: 'failure-group'; /** a group seen for the first time, one resolved that fails again, or both */ on: 'new' | 'regressed' | 'both' }
    | { kind: 'queue-depth'; /** a queue, or null for each queue */ queue: string | null; depth: number }
    | { kind: 'queue-age'; queue: string | null; /** the oldest waiting message's age */ seconds: number }
    | { kind: 'worker-offline'; /** a worker's name, or null for each worker */ worker: string | null; seconds: number }
    | { kind: 'schedule-late'; /** a periodic task's entry name, or null for each */ entry: string | null; seconds: number }
    | { kind: 'events-silent'; seconds: number }
  );

export type AlertKind = AlertRule['kind'];

/** Where a connection's alerts go besides the page. */
export interface AlertDelivery {
  /** A Slack-compatible incoming webhook (a JSON body with `text`), or null. */
  webhookUrl: string | null;
  /** A desktop (or browser) notification per alert fired or resolved. */
  desktop: boolean;
}

/** A connection's alert rules and delivery, as the settings file keeps them. */
export interface AlertConfig {
  rules: AlertRule[];
  delivery: AlertDelivery;
}

/**
 * The config as every client reads it (alerts:config): the webhook's address is redacted to
 * `scheme://host/…`, since its path is the secret (a Slack webhook's) and read-only rooms read
 * it too.
 */
export interface AlertConfigView {
  rules: AlertRule[];
  delivery: {
    /** The webhook's address redacted (`https://hooks.slack.com/…`), or null when none. */
    webhookUrl: string | null;
    /** A webhook is set. */
    webhookSet: boolean;
    desktop: boolean;
  };
  /** Names the stored config as read; alerts:setConfig is refused once it changed (a hand edit, another tab). */
  version: string;
}

/** A change to the config (alerts:setConfig): the webhook kept as it is, replaced, or removed. */
export interface AlertConfigChange {
  rules: AlertRule[];
  delivery: { webhookUrl: { keep: true } | string | null; desktop: boolean };
  /** The version the change was made on (alerts:config's). */
  version: string;
}

/** One episode of a rule on one subject: fired once, resolved once. */
export interface Alert {
  /** The episode's id. */
  id: string;
  ruleId: string;
  /** The rule's name when it fired (its kind's words when it has none). */
  ruleName: string;
  kind: AlertKind;
  /** What it is about: a task name, a group key, a queue, a worker, an entry; '' for the stream. */
  subject: string;
  state: 'firing' | 'resolved';
  /** One line a person reads: "tasks.add failing 42 % (21 of 50) over 5 min (rule: over 10 %)". */
  summary: string;
  /** unix milliseconds */
  firedAt: number;
  resolvedAt: number | null;
}

/** How the webhook is doing: never blocks the event path, retried with backoff. */
export interface AlertWebhookStatus {
  /** The address redacted (`scheme://host/…`: its path is the secret), or null when none. */
  url: string | null;
  /** Deliveries waiting (a retry or the first try). */
  pending: number;
  delivered: number;
  /** Given up after the retries (counted and said). */
  failed: number;
  /** Not queued at all: the queue was full (counted and said). */
  dropped: number;
  /** The last failure's words ("HTTP 500", "timed out after 5 s"), or null. */
  lastError: string | null;
  /** When the last delivery succeeded (unix ms), or null. */
  lastDeliveredAt: number | null;
}

/** The Alerts view: what fires now, what fired before, and how delivery and evaluation are doing. */
export interface AlertsView {
  /** Episodes firing now, the newest first. */
  firing: Alert[];
  /** Every episode kept (firing and resolved), the newest fired first, bounded. */
  history: Alert[];
  webhook: AlertWebhookStatus;
  /** When the rules were last evaluated (unix ms), or null before the first evaluation. */
  evaluatedAt: number | null;
  /** What keeps a rule from being evaluated (a rule in the settings file that is invalid, a probe that failed); empty when all is well. */
  problems: string[];
}

/** Pushed when an episode fires or resolves. */
export interface AlertChange {
  alert: Alert;
  /** The connection's delivery says to show it as a desktop (or browser) notification. */
  desktop: boolean;
}

/** What one test message to a webhook did. */
export interface WebhookTestResult {
  ok: boolean;
  /** The HTTP status, or null when none came (refused, timed out). */
  status: number | null;
  message: string;
}
