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

/** Queues whose head is read per evaluation besides those a rule names (the deepest first). */
export const MAX_HEADS_READ = 200;

type Head = { id: string | null; since: number };

/** The message at the head of each queue, and since when it has been there as far as we know. */
export class QueueHeads {
  /** Heads as of the last evaluation (for how long one has been there). */
  private before = new Map<string, Head>();
  private heads = new Map<string, Head>();
  /** Queues whose head was read in this evaluation. */
  private read = new Set<string>();
  private readAt = -1;
  /** Ages by queue, as of this evaluation. */
  private ages = new Map<string, { id: string | null; ageMs: number; known: boolean }>();

  /**
   * Reads the deepest queues' heads once per evaluation, whatever the number of queue-age rules,
   * and the head of the queue a rule names when it was not among them: a named queue is watched
   * however many queues are deeper.
   */
  private async readHeads(r: Readings, named: string | null): Promise<void> {
    if (this.readAt !== r.now) {
      this.readAt = r.now;
      this.before = this.heads;
      this.heads = new Map();
      this.ages = new Map();
      this.read = new Set();
      const waiting = (await r.queues()).filter((q) => q.depth > 0).sort((a, b) => b.depth - a.depth).slice(0, MAX_HEADS_READ);
      await this.readQueues(r, waiting.map((q) => q.name));
    }
    if (named !== null && !this.read.has(named)) await this.readQueues(r, [named]);
  }

  private async readQueues(r: Readings, queues: string[]): Promise<void> {
    // Read side by side: the connection sends the reads without waiting for each reply.
    const read = await Promise.all(queues.map((q) => nextMessage(r.sources.app.broker, q)));
    for (const [i, queue] of queues.entries()) {
      this.read.add(queue);
      const head = read[i];
      if (!head) continue;
      const before = this.before.get(queue);
      const since = before && before.id === head.id ? before.since : r.now;
      this.heads.set(queue, { id: head.id, since });
      const seen = head.id ? r.sources.history.seenAt(head.id) : null;
      this.ages.set(queue, seen === null ? { id: head.id, ageMs: r.now - since, known: false } : { id: head.id, ageMs: r.now - seen * 1000, known: true });
    }
  }

  async probe(rule: QueueAgeRule, r: Readings): Promise<Map<string, string>> {
    await this.readHeads(r, rule.queue);
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
