/** How alerts read: a rule's name when it has none of its own, and lengths of time in words. */
import type { Alert, AlertRule } from '../contract/types/alerts.js';

/** 45 -> "45 s", 300 -> "5 min", 5400 -> "1.5 h", 172800 -> "2 d". */
export function durationWords(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const trim = (n: number): string => String(Math.round(n * 10) / 10);
  if (s < 120) return `${s} s`;
  if (s < 2 * 3600) return `${trim(s / 60)} min`;
  if (s < 2 * 86_400) return `${trim(s / 3600)} h`;
  return `${trim(s / 86_400)} d`;
}

/** What a rule watches, in a few words: its name when the user gave it one. */
export function ruleName(rule: AlertRule): string {
  if (rule.name.trim()) return rule.name.trim();
  const each = (what: string | null, noun: string): string => (what === null ? `a ${noun}` : `${noun} ${what}`);
  switch (rule.kind) {
    case 'failure-rate':
      return `${rule.task ?? 'a task'} failing ${rule.percent} % or more over ${durationWords(rule.windowSeconds)}`;
    case 'failure-group':
      return rule.on === 'new' ? 'a new failure group' : rule.on === 'regressed' ? 'a resolved failure group failing again' : 'a new or regressed failure group';
    case 'queue-depth':
      return `${each(rule.queue, 'queue')} holding ${rule.depth} messages or more`;
    case 'queue-age':
      return `${each(rule.queue, 'queue')}'s oldest message waiting ${durationWords(rule.seconds)} or more`;
    case 'worker-offline':
      return `${each(rule.worker, 'worker')} offline ${durationWords(rule.seconds)} or more`;
    case 'schedule-late':
      return `${rule.entry === null ? 'a periodic task' : `periodic task ${rule.entry}`} late ${durationWords(rule.seconds)} or more`;
    case 'events-silent':
      return `the event stream silent ${durationWords(rule.seconds)} or more`;
  }
}

/** The one line a webhook message (and a notification) says of an episode. */
export function alertText(alert: Alert): string {
  if (alert.state === 'firing') return `Alert firing: ${alert.summary}`;
  const after = alert.resolvedAt === null ? '' : ` after ${durationWords((alert.resolvedAt - alert.firedAt) / 1000)}`;
  return `Alert resolved${after}: ${alert.summary}`;
}
