/**
 * queue-age: how long the message a queue gives out next has waited. Its age is taken from when
 * the history first saw its task (the record written when it was sent, or its events) when the
 * history knows it; else (a Python producer sends no event) from when this evaluator first saw
 * it at the head of its queue, so it is never older than the control room's watch.
 */
import { nextMessage } from '../../../core/broker/queue-messages.js';
import type { AlertRule } from '../../contract/types/alerts.js';
import { durationWords } from '../alert-words.js';
import type { Readings } from './readings.js';

type QueueAgeRule = Extract<AlertRule, { kind: 'queue-age' }>;

/** Queues whose head is read at most per evaluation (the deepest first). */
export const MAX_HEADS_READ = 200;

/** The message at the head of each queue, and since when it has been there as far as we know. */
export class QueueHeads {
  private heads = new Map<string, { id: string | null; since: number }>();
  private readAt = -1;
  /** Ages by queue, as of the last read. */
  private ages = new Map<string, { id: string | null; ageMs: number; known: boolean }>();

  /** Reads each non-empty queue's head once per evaluation, whatever the number of queue-age rules. */
  private async read(r: Readings): Promise<void> {
    if (this.readAt === r.now) return;
    this.readAt = r.now;
    const waiting = (await r.queues()).filter((q) => q.depth > 0).sort((a, b) => b.depth - a.depth).slice(0, MAX_HEADS_READ);
    const heads = new Map<string, { id: string | null; since: number }>();
    const ages = new Map<string, { id: string | null; ageMs: number; known: boolean }>();
    // Read side by side: the connection sends the reads without waiting for each reply.
    const read = await Promise.all(waiting.map((q) => nextMessage(r.sources.app.broker, q.name)));
    for (const [i, q] of waiting.entries()) {
      const head = read[i];
      if (!head) continue;
      const before = this.heads.get(q.name);
      const since = before && before.id === head.id ? before.since : r.now;
      heads.set(q.name, { id: head.id, since });
      const seen = head.id ? r.sources.history.seenAt(head.id) : null;
      ages.set(q.name, seen === null ? { id: head.id, ageMs: r.now - since, known: false } : { id: head.id, ageMs: r.now - seen * 1000, known: true });
    }
    this.heads = heads;
    this.ages = ages;
  }

  async probe(rule: QueueAgeRule, r: Readings): Promise<Map<string, string>> {
    await this.read(r);
    const holding = new Map<string, string>();
    for (const [queue, age] of this.ages) {
      if (rule.queue !== null && queue !== rule.queue) continue;
      if (age.ageMs < rule.seconds * 1000) continue;
      const how = age.known ? 'since it was sent' : 'at the head, as far as the control room saw';
      holding.set(queue, `queue ${queue}: the next message${age.id ? ` (${age.id})` : ''} has waited ${durationWords(age.ageMs / 1000)} ${how} (rule: ${durationWords(rule.seconds)} or more)`);
    }
    return holding;
  }
}
