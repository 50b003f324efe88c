/**
 * A connection's alerts, as its handlers see them: the rules and delivery (settings.json), the
 * evaluator on its timer, the episodes it fired (kept in a file), and their delivery: an
 * `alerts:changed` event for the page (which shows a desktop notification when delivery says
 * so) and a webhook message, queued and sent in the background.
 */
import type { Alert, AlertChange, AlertConfigChange, AlertConfigView, AlertsView, WebhookTestResult } from '../contract/types/alerts.js';
import { AlertConfigStore, type AlertConfigPlace, type ReadConfig } from './alert-config-store.js';
import { AlertEvaluator, type EvaluatorOptions } from './alert-evaluator.js';
import { EpisodeBook } from './episode-book.js';
import { pendingPathOf, savePending, takePending } from './pending-webhooks.js';
import type { AlertSources } from './probes/readings.js';
import { webhookBody, testWebhookBody } from './webhook-body.js';
import { redact, WebhookSender, type WebhookOptions } from './webhook-sender.js';

export interface AlertsOptions extends EvaluatorOptions {
  /** Where the rules are kept (settings.json, under the connection's profile id); absent: in memory. */
  config?: AlertConfigPlace;
  /** The file the episodes are kept in; absent: in memory. */
  episodesPath?: string;
  webhook?: WebhookOptions;
}

export class Alerts {
  private readonly store: AlertConfigStore;
  private readonly book: EpisodeBook;
  private readonly webhook: WebhookSender;
  private readonly evaluator: AlertEvaluator;
  /** Why the episodes could not be written, or null. */
  private keepProblem: string | null = null;
  /** Where the webhook messages waiting at a stop are kept for the next start; null: in memory (lost). */
  private readonly pendingPath: string | null;
  /** Why the messages kept at the last stop could not be read, or null. */
  private pendingProblem: string | null = null;

  /** @param emit pushes an `alerts:changed` event to the clients */
  constructor(sources: AlertSources, private readonly emit: (change: AlertChange) => void, options: AlertsOptions = {}) {
    this.store = new AlertConfigStore(options.config ?? null);
    this.book = new EpisodeBook(options.episodesPath ?? null);
    this.webhook = new WebhookSender(options.webhook, (url) => this.store.current().config.delivery.webhookUrl === url);
    this.evaluator = new AlertEvaluator(sources, () => this.store.current().config.rules, this.book, (changes) => this.deliver(changes), options);
    this.pendingPath = options.episodesPath ? pendingPathOf(options.episodesPath) : null;
  }

  start(): void {
    if (this.pendingPath) {
      const { messages, problem } = takePending(this.pendingPath);
      this.pendingProblem = problem;
      for (const m of messages) this.webhook.enqueueMessage(m);
    }
    this.evaluator.start();
  }

  async stop(): Promise<void> {
    await this.evaluator.stop();
    const left = await this.webhook.stop();
    this.keep();
    if (!this.pendingPath) {
      if (left.length > 0) console.warn(`[Alerts] stopping: ${left.length} webhook message(s) not delivered are dropped`);
      return;
    }
    try {
      savePending(this.pendingPath, left);
    } catch (err) {
      console.warn(`[Alerts] stopping: ${left.length} webhook message(s) not delivered could not be kept (${(err as Error).message}): they are dropped`);
    }
  }

  /** Events came from the cluster: called on the event path, it notes the time and nothing else. */
  noteEvents(): void {
    this.evaluator.noteEvents();
  }

  /** The config as every client reads it: the webhook's address redacted. */
  config(): AlertConfigView {
    return viewOf(this.store.current());
  }

  /**
   * Replaces the rules and delivery; a removed, turned-off or changed rule's episodes resolve at the next evaluation.
   * @throws AlertConfigChangedError when the config changed since `change.version` was read
   */
  setConfig(change: AlertConfigChange): AlertConfigView {
    return viewOf(this.store.set(change));
  }

  list(): AlertsView {
    const { config, problems } = this.store.current();
    return {
      firing: this.book.firingNow(),
      history: this.book.history(),
      // Every client reads this, read-only ones too: the address's path (the secret) is left out.
      webhook: this.webhook.status(config.delivery.webhookUrl && redact(config.delivery.webhookUrl)),
      evaluatedAt: this.evaluator.evaluatedAt,
      problems: [...problems, ...this.evaluator.problems(), ...(this.book.loadProblem ? [this.book.loadProblem] : []), ...(this.pendingProblem ? [this.pendingProblem] : []), ...(this.keepProblem ? [this.keepProblem] : [])],
    };
  }

  /** Sends one test message to `url` (else the configured webhook) now, and says what came back. */
  testWebhook(url?: string): Promise<WebhookTestResult> {
    const to = url ?? this.store.current().config.delivery.webhookUrl;
    if (!to) throw new Error('no webhook address is configured: give one');
    return this.webhook.test(to, testWebhookBody());
  }

  /** Hands each change to the page and the webhook; never waits for either. */
  private deliver(changes: Alert[]): void {
    this.keep();
    const { delivery } = this.store.current().config;
    for (const alert of changes) {
      this.emit({ alert, desktop: delivery.desktop });
      if (delivery.webhookUrl) this.webhook.enqueue(delivery.webhookUrl, webhookBody(alert));
    }
  }

  /** Writes the episodes through; a failure is said in the problems, and the next change tries again. */
  private keep(): void {
    try {
      this.book.flush();
      this.keepProblem = null;
    } catch (err) {
      this.keepProblem = `the alert history could not be saved (${(err as Error).message}): it is kept in memory until it can`;
    }
  }
}

function viewOf({ config, version }: ReadConfig): AlertConfigView {
  const { webhookUrl, desktop } = config.delivery;
  return { rules: config.rules, delivery: { webhookUrl: webhookUrl && redact(webhookUrl), webhookSet: webhookUrl !== null, desktop }, version };
}
