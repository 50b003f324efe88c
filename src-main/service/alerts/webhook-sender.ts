/**
 * Delivers alert messages to a webhook, in the background: `enqueue` returns at once, so the
 * evaluator and the event path never wait on a slow or broken receiver. One message is in
 * flight at a time (a receiver sees an episode fire before it resolves); a failure (an HTTP
 * status other than 2xx, a refused connection, no answer within the timeout) is retried with
 * exponential backoff (a 429 or 503's Retry-After honoured, up to the longest wait), then given
 * up and counted. A 4xx other than 408 and 429 is given up at once: the receiver refuses the
 * message itself. The queue is bounded: past it the oldest waiting message is dropped, and
 * counted; so is a message for an address that is no longer the configured one.
 */
import type { AlertWebhookStatus, WebhookTestResult } from '../contract/types/alerts.js';

export interface WebhookOptions {
  /** How long a receiver has to answer, ms. @default 10000 */
  timeoutMs?: number;
  /** Tries per message, the first included. @default 6 */
  attempts?: number;
  /** The wait before the first retry, ms; doubled for each next one. @default 2000 */
  backoffMs?: number;
  /** The longest wait between tries, ms. @default 60000 */
  maxBackoffMs?: number;
  /** Messages waiting at most (the one in flight included). @default 200 */
  maxPending?: number;
  /** How long stopping goes on sending what waits, ms. @default 2000 */
  drainMs?: number;
}

export const DEFAULT_WEBHOOK_OPTIONS: Required<WebhookOptions> = { timeoutMs: 10_000, attempts: 6, backoffMs: 2000, maxBackoffMs: 60_000, maxPending: 200, drainMs: 2000 };

/** One message: where it goes and its JSON body. */
export interface WebhookMessage {
  url: string;
  body: string;
}

export class WebhookSender {
  private readonly options: Required<WebhookOptions>;
  private readonly queue: WebhookMessage[] = [];
  private sending = false;
  private stopped = false;
  /** Stopping: nothing more is taken, and a failed message is not tried again. */
  private draining = false;
  private drained: (() => void) | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private delivered = 0;
  private failed = 0;
  private dropped = 0;
  private lastError: string | null = null;
  private lastDeliveredAt: number | null = null;

  /** @param isConfigured whether `url` is still where messages go (a message for another is dropped) */
  constructor(options: WebhookOptions = {}, private readonly isConfigured: (url: string) => boolean = () => true) {
    this.options = { ...DEFAULT_WEBHOOK_OPTIONS, ...options };
  }

  /** Queues one JSON body for `url`; returns at once. */
  enqueue(url: string, body: unknown): void {
    this.enqueueMessage({ url, body: JSON.stringify(body) });
  }

  /** Queues a message as `stop` gave it back (kept over a restart); returns at once. */
  enqueueMessage(message: WebhookMessage): void {
    if (this.stopped || this.draining) return;
    if (this.queue.length >= this.options.maxPending) {
      // The one in flight (the head, while sending) stays: the oldest waiting behind it goes.
      this.queue.splice(this.sending ? 1 : 0, 1);
      this.dropped++;
      this.lastError = `the webhook's queue was full (${this.options.maxPending} messages): the oldest waiting one was dropped`;
    }
    this.queue.push(message);
    if (!this.sending) void this.pump();
  }

  status(url: string | null): AlertWebhookStatus {
    return { url, pending: this.queue.length, delivered: this.delivered, failed: this.failed, dropped: this.dropped, lastError: this.lastError, lastDeliveredAt: this.lastDeliveredAt };
  }

  /** Sends one message now, outside the queue, and says what came back (the view's "send a test"). */
  async test(url: string, body: unknown): Promise<WebhookTestResult> {
    const r = await this.post(url, JSON.stringify(body));
    return r.ok ? { ok: true, status: r.status, message: `delivered (HTTP ${r.status})` } : { ok: false, status: r.status, message: r.error };
  }

  /**
   * Stops sending: what waits is sent for up to `drainMs` (one try each, a retry's wait cut
   * short). @returns what still waits then (the one in flight included), for the caller to keep
   */
  async stop(): Promise<WebhookMessage[]> {
    if (this.stopped) return [];
    this.draining = true;
    if (this.queue.length > 0) {
      this.wake?.();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => (this.drained = r)), new Promise((r) => (timer = setTimeout(r, this.options.drainMs)))]);
      clearTimeout(timer);
    }
    this.stopped = true;
    const left = this.queue.splice(0);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.wake?.();
    return left;
  }

  /** Sends the queue's head until it is delivered or given up, then the next; never throws. */
  private async pump(): Promise<void> {
    this.sending = true;
    try {
      while (!this.stopped && this.queue.length > 0) {
        const head = this.queue[0]!;
        for (let attempt = 1; !this.stopped; attempt++) {
          if (!this.isConfigured(head.url)) {
            this.dropped++;
            this.lastError = `a message for ${redact(head.url)} was dropped: that address is no longer the configured webhook`;
            break;
          }
          const r = await this.post(head.url, head.body);
          if (r.ok) {
            this.delivered++;
            this.lastDeliveredAt = Date.now();
            break;
          }
          this.lastError = `${r.error} (${redact(head.url)}, try ${attempt} of ${this.options.attempts})`;
          if (refusedForGood(r.status)) {
            this.failed++;
            this.lastError = `gave up at once: ${r.error} (${redact(head.url)}): the receiver refuses the message, and trying again would not change that`;
            break;
          }
          if (attempt >= this.options.attempts || this.draining) {
            this.failed++;
            this.lastError = `gave up after ${attempt} tries: ${r.error} (${redact(head.url)})`;
            break;
          }
          await this.wait(Math.min(this.options.maxBackoffMs, r.retryAfterMs ?? this.options.backoffMs * 2 ** (attempt - 1)));
        }
        if (this.queue[0] === head) this.queue.shift();
      }
    } finally {
      this.sending = false;
      if (this.queue.length === 0) this.drained?.();
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.retryTimer = setTimeout(resolve, ms);
      this.retryTimer.unref();
    });
  }

  private async post(url: string, body: string): Promise<{ ok: true; status: number } | { ok: false; status: number | null; error: string; retryAfterMs?: number | null }> {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(this.options.timeoutMs), redirect: 'manual' });
      // The answer's body is never read: a receiver could send one without end.
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
      const retryAfterMs = res.status === 429 || res.status === 503 ? retryAfter(res.headers.get('retry-after')) : null;
      return { ok: false, status: res.status, error: `HTTP ${res.status}`, retryAfterMs };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') return { ok: false, status: null, error: `no answer within ${this.options.timeoutMs / 1000} s` };
      return { ok: false, status: null, error: e.cause?.code ?? e.cause?.message ?? e.message };
    }
  }
}

/** A 4xx other than 408 (timeout) and 429 (too many): the message itself is refused. */
function refusedForGood(status: number | null): boolean {
  return status !== null && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** A Retry-After header (seconds, or an HTTP date) as a wait in ms; null when absent or unreadable. */
function retryAfter(header: string | null): number | null {
  if (header === null) return null;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** An address as a status may show it: a Slack webhook's path is its secret. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : '/'}`;
  } catch {
    return '(an invalid address)';
  }
}
