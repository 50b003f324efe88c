/**
 * events-silent: no event has come from the cluster for the rule's seconds while connected
 * (workers send heartbeats every few seconds, and the control room asks them for task events:
 * silence means no worker is alive or the stream is cut). While Redis is away the silence is
 * the connection's, said by its status: nothing fires, and the count starts again once it is back.
 */
import type { AlertRule } from '../../contract/types/alerts.js';
import { durationWords } from '../alert-words.js';

type EventsSilentRule = Extract<AlertRule, { kind: 'events-silent' }>;

export class EventSilence {
  private lastEventAt: number;
  private wasConnected = true;

  constructor(now = Date.now()) {
    this.lastEventAt = now;
  }

  /** Events arrived (called on the event path: it only notes the time). */
  noteEvents(now = Date.now()): void {
    this.lastEventAt = now;
  }

  /**
   * Looks at the connection once per evaluation: back after an outage, the silence counts from now.
   * @returns whether it is connected
   */
  noteConnection(connected: boolean, now: number): boolean {
    if (connected && !this.wasConnected) this.lastEventAt = Math.max(this.lastEventAt, now);
    this.wasConnected = connected;
    return connected;
  }

  /** The rule's holding subject ('' for the stream), or null while disconnected (its episode stays as it is). */
  probe(rule: EventsSilentRule, now: number): Map<string, string> | null {
    if (!this.wasConnected) return null;
    const silentMs = now - this.lastEventAt;
    if (silentMs < rule.seconds * 1000) return new Map();
    return new Map([['', `no event from the cluster for ${durationWords(silentMs / 1000)} (rule: ${durationWords(rule.seconds)} or more)`]]);
  }
}
