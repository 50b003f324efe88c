/**
 * What a webhook is sent: a Slack-compatible body (Slack, Mattermost, Rocket.Chat and Discord's
 * `/slack` endpoint show `text`), and the episode itself under `alert` for a receiver that reads
 * fields rather than a line.
 */
import type { Alert } from '../contract/types/alerts.js';
import { alertText } from './alert-words.js';

export interface WebhookBody {
  text: string;
  alert: Alert;
}

export function webhookBody(alert: Alert): WebhookBody {
  return { text: alertText(alert), alert };
}

/** The test message: a body of the same shape, with no episode behind it. */
export function testWebhookBody(now = Date.now()): { text: string; test: true; sentAt: number } {
  return { text: 'Celeriac: a test message from the control room. Alerts will be sent here.', test: true, sentAt: now };
}
