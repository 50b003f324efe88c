/**
 * failure-rate: a task name's failed share of the tasks that ended in the window, read from the
 * history's per-task counters (minute slots for windows up to an hour, hour slots past it; the
 * slot the window starts in is counted whole). A name with fewer ended tasks than `minTasks`
 * never holds.
 */
import type { AlertRule } from '../../contract/types/alerts.js';
import { durationWords } from '../alert-words.js';
import type { Readings } from './readings.js';

type FailureRateRule = Extract<AlertRule, { kind: 'failure-rate' }>;

export function failureRate(rule: FailureRateRule, r: Readings): Map<string, string> {
  const width = rule.windowSeconds <= 3600 ? 60 : 3600;
  const holding = new Map<string, string>();
  for (const f of r.sources.history.taskFigures(r.now / 1000 - rule.windowSeconds, width)) {
    if (rule.task !== null && f.name !== rule.task) continue;
    if (f.count < rule.minTasks) continue;
    const percent = f.failureRate * 100;
    if (percent < rule.percent) continue;
    const failed = Math.round(f.failureRate * f.count);
    holding.set(f.name, `${f.name} failing ${Math.round(percent)} % (${failed} of ${f.count}) over ${durationWords(rule.windowSeconds)} (rule: ${rule.percent} % or more)`);
  }
  return holding;
}
