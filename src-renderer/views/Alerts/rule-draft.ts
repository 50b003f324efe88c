/**
 * A rule as the form edits it (every field a string, as inputs hold them) and the typed rule it
 * becomes once checked. Each kind says which fields it has and in what words, so the form,
 * the check and the rules table agree.
 */
import type { AlertKind, AlertRule } from '../../api/contract.js';

/** The subject field (a task, queue, worker or entry; empty for each one) or none. */
type SubjectField = { label: string; any: string } | null;
/** The threshold field: its label, unit and range. */
interface ThresholdField {
  label: string;
  unit: string;
  min: number;
  max: number;
  integer: boolean;
}

export interface KindSpec {
  label: string;
  /** What it watches, one line for the form. */
  help: string;
  subject: SubjectField;
  threshold: ThresholdField | null;
  /** failure-rate only: the window and the fewest ended tasks. */
  window: boolean;
}

const SECONDS = { unit: 's', min: 1, max: 7 * 86400, integer: true };

export const KINDS: Record<AlertKind, KindSpec> = {
  'failure-rate': {
    label: 'Failure rate',
    help: 'A task fails this share of its runs or more over the window.',
    subject: { label: 'Task', any: 'each task name' },
    threshold: { label: 'Failing at least', unit: '%', min: 0, max: 100, integer: false },
    window: true,
  },
  'failure-group': {
    label: 'Failure group',
    help: 'A cause of failure seen for the first time, or one marked resolved that fails again.',
    subject: null,
    threshold: null,
    window: false,
  },
  'queue-depth': {
    label: 'Queue depth',
    help: 'A queue holds this many waiting messages or more.',
    subject: { label: 'Queue', any: 'each queue' },
    threshold: { label: 'Holding at least', unit: 'messages', min: 1, max: 1e9, integer: true },
    window: false,
  },
  'queue-age': {
    label: 'Queue age',
    help: 'The oldest waiting message in a queue has waited this long or longer.',
    subject: { label: 'Queue', any: 'each queue' },
    threshold: { label: 'Oldest waiting at least', ...SECONDS },
    window: false,
  },
  'worker-offline': {
    label: 'Worker offline',
    help: 'A worker is offline (shut down, or its heartbeats stopped) and was last heard this long ago or longer.',
    subject: { label: 'Worker', any: 'each worker' },
    threshold: { label: 'Offline at least', ...SECONDS },
    window: false,
  },
  'schedule-late': {
    label: 'Schedule late',
    help: 'A periodic entry was due this long ago or longer and was not sent since.',
    subject: { label: 'Entry', any: 'each periodic entry' },
    threshold: { label: 'Late at least', ...SECONDS },
    window: false,
  },
  'events-silent': {
    label: 'Events silent',
    help: 'The event stream has carried nothing (not even a heartbeat) this long or longer.',
    subject: null,
    threshold: { label: 'Silent at least', ...SECONDS },
    window: false,
  },
};

export const KIND_ORDER = Object.keys(KINDS) as AlertKind[];

export type GroupTrigger = 'new' | 'regressed' | 'both';

/** The form's state: strings as the inputs hold them. */
export interface RuleDraft {
  id: string;
  name: string;
  enabled: boolean;
  kind: AlertKind;
  /** Empty: each one. */
  subject: string;
  threshold: string;
  windowSeconds: string;
  minTasks: string;
  on: GroupTrigger;
}

/** A new rule's id: unique enough among one connection's rules (randomUUID needs a secure context). */
export function newRuleId(): string {
  return `rule-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A fresh draft of a kind, with a threshold worth starting from. */
export function newDraft(kind: AlertKind, id = newRuleId()): RuleDraft {
  const threshold = { 'failure-rate': '10', 'failure-group': '', 'queue-depth': '1000', 'queue-age': '300', 'worker-offline': '60', 'schedule-late': '120', 'events-silent': '300' }[kind];
  return { id, name: '', enabled: true, kind, subject: '', threshold, windowSeconds: '300', minTasks: '20', on: 'both' };
}

/** A saved rule as the form shows it. */
export function toDraft(rule: AlertRule): RuleDraft {
  const d = newDraft(rule.kind, rule.id);
  d.name = rule.name;
  d.enabled = rule.enabled;
  switch (rule.kind) {
    case 'failure-rate':
      return { ...d, subject: rule.task ?? '', threshold: String(rule.percent), windowSeconds: String(rule.windowSeconds), minTasks: String(rule.minTasks) };
    case 'failure-group':
      return { ...d, on: rule.on };
    case 'queue-depth':
      return { ...d, subject: rule.queue ?? '', threshold: String(rule.depth) };
    case 'queue-age':
      return { ...d, subject: rule.queue ?? '', threshold: String(rule.seconds) };
    case 'worker-offline':
      return { ...d, subject: rule.worker ?? '', threshold: String(rule.seconds) };
    case 'schedule-late':
      return { ...d, subject: rule.entry ?? '', threshold: String(rule.seconds) };
    case 'events-silent':
      return { ...d, threshold: String(rule.seconds) };
  }
}

/** A number typed in a field, checked against its range; a string says what is wrong. */
function readNumber(text: string, label: string, range: { min: number; max: number; integer: boolean; unit: string }, minExclusive = false): number | string {
  const t = text.trim();
  const n = Number(t);
  if (t === '' || !Number.isFinite(n)) return `${label}: a number, please`;
  if (range.integer && !Number.isInteger(n)) return `${label}: a whole number, please`;
  if (minExclusive ? n <= range.min : n < range.min) return `${label}: ${minExclusive ? `more than ${range.min} ${range.unit}` : `${range.min} ${range.unit} or more`}`;
  if (n > range.max) return `${label}: at most ${range.max.toLocaleString()} ${range.unit}`;
  return n;
}

/** The typed rule a draft makes, or what to fix first. */
export function fromDraft(d: RuleDraft): { rule: AlertRule } | { error: string } {
  const spec = KINDS[d.kind];
  const name = d.name.trim();
  if (name.length > 200) return { error: 'Name: 200 characters at most' };
  if (!/^[\w.:-]{1,64}$/.test(d.id)) return { error: `Id: ${d.id} is not one a rule can have (letters, digits and . _ : -)` };
  const subject = d.subject.trim() || null;
  if (subject && subject.length > 512) return { error: `${spec.subject?.label ?? 'Subject'}: 512 characters at most` };
  const base = { id: d.id, name, enabled: d.enabled };
  if (d.kind === 'failure-group') return { rule: { ...base, kind: 'failure-group', on: d.on } };
  const threshold = readNumber(d.threshold, spec.threshold!.label, spec.threshold!, d.kind === 'failure-rate');
  if (typeof threshold === 'string') return { error: threshold };
  switch (d.kind) {
    case 'failure-rate': {
      const windowSeconds = readNumber(d.windowSeconds, 'Window', { min: 60, max: 7 * 86400, integer: true, unit: 's' });
      if (typeof windowSeconds === 'string') return { error: windowSeconds };
      const minTasks = readNumber(d.minTasks, 'At least', { min: 1, max: 1e6, integer: true, unit: 'ended tasks' });
      if (typeof minTasks === 'string') return { error: minTasks };
      return { rule: { ...base, kind: 'failure-rate', task: subject, percent: threshold, windowSeconds, minTasks } };
    }
    case 'queue-depth':
      return { rule: { ...base, kind: 'queue-depth', queue: subject, depth: threshold } };
    case 'queue-age':
      return { rule: { ...base, kind: 'queue-age', queue: subject, seconds: threshold } };
    case 'worker-offline':
      return { rule: { ...base, kind: 'worker-offline', worker: subject, seconds: threshold } };
    case 'schedule-late':
      return { rule: { ...base, kind: 'schedule-late', entry: subject, seconds: threshold } };
    case 'events-silent':
      return { rule: { ...base, kind: 'events-silent', seconds: threshold } };
  }
}

/** What a rule watches, in words, for the rules table. */
export function ruleWords(rule: AlertRule): string {
  const any = (v: string | null, each: string): string => v ?? each;
  switch (rule.kind) {
    case 'failure-rate':
      return `${any(rule.task, 'any task')} failing ${rule.percent} % or more over ${rule.windowSeconds} s (at least ${rule.minTasks} ended)`;
    case 'failure-group':
      return rule.on === 'both' ? 'a failure group new or regressed' : `a failure group ${rule.on}`;
    case 'queue-depth':
      return `${any(rule.queue, 'any queue')} holding ${rule.depth} message${rule.depth === 1 ? '' : 's'} or more`;
    case 'queue-age':
      return `${any(rule.queue, 'any queue')}'s oldest message waiting ${rule.seconds} s or more`;
    case 'worker-offline':
      return `${any(rule.worker, 'any worker')} offline ${rule.seconds} s or more`;
    case 'schedule-late':
      return `${any(rule.entry, 'any periodic entry')} late ${rule.seconds} s or more`;
    case 'events-silent':
      return `no events ${rule.seconds} s or more`;
  }
}
