import { encodeBody, encodeTaskMessage, isDefaultEmbed, isPlainJson } from './encode.js';
import { scalarJson as j } from './fast-json.js';
import type { TaskMessage } from './types.js';

/** Placeholders for the fields that differ from one message of a batch to the next. */
const SLOTS = ['body', 'id', 'eta', 'expires', 'rootId', 'argsrepr', 'kwargsrepr', 'deliveryTag'] as const;
const marker = (slot: string): string => `@@celeriac:${slot}@@`;

/**
 * Encodes a run of messages that differ only in their per-call fields (ids, arguments, eta,
 * expires) by filling a template cut from the first of them: the bulk path's encoder.
 * A message that does not fit the template (another task, queue, priority) makes it cut a new
 * one; one with extra headers is encoded the plain way. The output is always exactly
 * encodeTaskMessage's (a property test holds it).
 */
export class TemplateEncoder {
  private proto: TaskMessage | null = null;
  /** Constant text between the slots; segments[i] precedes slot i. */
  private segments: string[] = [];

  encode(msg: TaskMessage): string {
    // Extra headers, workflow embeds and other serializers are rare in bulk sends: no template for them.
    if (!isEmpty(msg.extraHeaders) || !isEmpty(msg.extraProperties) || !isDefaultEmbed(msg.embed) || !isPlainJson(msg)) return encodeTaskMessage(msg);
    if (!this.fits(msg)) this.cut(msg);
    const g = this.segments;
    const id = j(msg.id);
    return (
      g[0]! + encodeBody(msg) + g[1]! + id + g[2]! + j(msg.eta) + g[3]! + j(msg.expires) + g[4]! +
      (msg.rootId === msg.id ? id : j(msg.rootId)) + g[5]! + j(msg.argsrepr) + g[6]! + j(msg.kwargsrepr) + g[7]! + id +
      g[8]! + j(msg.deliveryTag) + g[9]!
    );
  }

  private fits(m: TaskMessage): boolean {
    const p = this.proto;
    return (
      p !== null && m.task === p.task && m.routingKey === p.routingKey && m.priority === p.priority &&
      m.exchange === p.exchange && m.lang === p.lang && m.shadow === p.shadow && m.group === p.group &&
      m.groupIndex === p.groupIndex && m.retries === p.retries && m.timelimit[0] === p.timelimit[0] &&
      m.timelimit[1] === p.timelimit[1] && m.parentId === p.parentId && m.origin === p.origin &&
      m.ignoreResult === p.ignoreResult && m.replyTo === p.replyTo && m.deliveryMode === p.deliveryMode &&
      m.redelivered === p.redelivered
    );
  }

  private cut(m: TaskMessage): void {
    const ids = Object.fromEntries(SLOTS.map((slot) => [slot, marker(slot)]));
    // correlation_id repeats the id: give it its own marker so the two can be told apart.
    let text = encodeTaskMessage({ ...m, ...ids } as TaskMessage, marker('body'));
    text = text.replace(`"correlation_id":${j(marker('id'))}`, `"correlation_id":${j(marker('correlationId'))}`);
    const order = ['body', 'id', 'eta', 'expires', 'rootId', 'argsrepr', 'kwargsrepr', 'correlationId', 'deliveryTag'];
    const segments: string[] = [];
    for (const slot of order) {
      // Every slot but body is written through scalarJson, i.e. quoted.
      const needle = slot === 'body' ? marker(slot) : j(marker(slot));
      const at = text.indexOf(needle);
      segments.push(text.slice(0, at));
      text = text.slice(at + needle.length);
    }
    segments.push(text);
    this.segments = segments;
    this.proto = m;
  }
}

function isEmpty(o: Record<string, unknown>): boolean {
  for (const _ in o) return false;
  return true;
}
