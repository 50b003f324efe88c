/**
 * schedule-late: an enabled periodic entry whose due time passed at least the rule's seconds
 * ago and that was not sent since (a beat sending it moves its due time on). Read from the
 * earliest due times only, bounded.
 */
import { overdueEntries } from '../../../core/beat/overdue-entries.js';
import type { AlertRule } from '../../contract/types/alerts.js';
import { durationWords } from '../alert-words.js';
import type { Readings } from './readings.js';

type ScheduleLateRule = Extract<AlertRule, { kind: 'schedule-late' }>;

/** Overdue entries read at most per rule and evaluation. */
export const MAX_LATE_READ = 500;

export async function scheduleLate(rule: ScheduleLateRule, r: Readings): Promise<Map<string, string>> {
  const holding = new Map<string, string>();
  for (const e of await overdueEntries(r.sources.app.broker, r.now - rule.seconds * 1000, MAX_LATE_READ)) {
    if ('error' in e || !e.enabled || e.due === null) continue;
    if (rule.entry !== null && e.name !== rule.entry) continue;
    const lateMs = r.now - e.due;
    if (lateMs < rule.seconds * 1000) continue;
    holding.set(e.name, `periodic task ${e.name} (${e.task}) is ${durationWords(lateMs / 1000)} late: due ${new Date(e.due).toISOString()}, not sent since (rule: ${durationWords(rule.seconds)} or more)`);
  }
  return holding;
}
