/** queue-depth: a queue's waiting messages (every priority list) at or over the rule's depth. */
import type { AlertRule } from '../../contract/types/alerts.js';
import type { Readings } from './readings.js';

type QueueDepthRule = Extract<AlertRule, { kind: 'queue-depth' }>;

export async function queueDepth(rule: QueueDepthRule, r: Readings): Promise<Map<string, string>> {
  const holding = new Map<string, string>();
  for (const q of await r.queues()) {
    if (rule.queue !== null && q.name !== rule.queue) continue;
    if (q.depth >= rule.depth) holding.set(q.name, `queue ${q.name} holds ${q.depth} waiting messages (rule: ${rule.depth} or more)`);
  }
  return holding;
}
