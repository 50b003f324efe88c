/** The Alerts view's rule form: each kind's typed fields, checked before a rule is saved. */
import { describe, expect, it } from 'vitest';
import type { AlertRule } from '../../src-main/service/contract/index.js';
import { alertRuleSchema } from '../../src-main/service/contract/methods/alerts.js';
import { fromDraft, KIND_ORDER, newDraft, ruleWords, toDraft } from '../../src-renderer/views/Alerts/rule-draft.js';
import { readWebhookUrl } from '../../src-renderer/views/Alerts/webhook-url.js';

const made = (draft: ReturnType<typeof newDraft>): AlertRule => {
  const out = fromDraft(draft);
  if ('error' in out) throw new Error(out.error);
  return out.rule;
};

describe('a rule drafted in the form', () => {
  it('makes, for each kind, a rule the contract takes, and reads back as the same draft', () => {
    for (const kind of KIND_ORDER) {
      const rule = made(newDraft(kind, `r-${kind}`));
      expect(rule.kind).toBe(kind);
      expect(alertRuleSchema.safeParse(rule).success, kind).toBe(true);
      expect(made(toDraft(rule))).toEqual(rule);
    }
  });

  it('types each kind\'s fields: an empty subject is each one, numbers are numbers', () => {
    const rate = made({ ...newDraft('failure-rate', 'a'), subject: ' tasks.add ', threshold: '12.5', windowSeconds: '600', minTasks: '5' });
    expect(rate).toEqual({ id: 'a', name: '', enabled: true, kind: 'failure-rate', task: 'tasks.add', percent: 12.5, windowSeconds: 600, minTasks: 5 });
    expect(made({ ...newDraft('queue-depth', 'b'), threshold: '1' })).toEqual({ id: 'b', name: '', enabled: true, kind: 'queue-depth', queue: null, depth: 1 });
    expect(made({ ...newDraft('failure-group', 'c'), on: 'regressed', name: 'back again' })).toEqual({ id: 'c', name: 'back again', enabled: true, kind: 'failure-group', on: 'regressed' });
    expect(made({ ...newDraft('worker-offline', 'd'), subject: 'celery@box', threshold: '90', enabled: false })).toMatchObject({ worker: 'celery@box', seconds: 90, enabled: false });
  });

  it('refuses, saying which field, what the contract would refuse', () => {
    const error = (d: ReturnType<typeof newDraft>): string | undefined => ('error' in fromDraft(d) ? (fromDraft(d) as { error: string }).error : undefined);
    expect(error({ ...newDraft('failure-rate'), threshold: '0' })).toMatch(/^Failing at least: more than 0/);
    expect(error({ ...newDraft('failure-rate'), threshold: '101' })).toMatch(/^Failing at least: at most 100/);
    expect(error({ ...newDraft('failure-rate'), windowSeconds: '30' })).toMatch(/^Window:/);
    expect(error({ ...newDraft('failure-rate'), minTasks: '2.5' })).toMatch(/^At least: a whole number/);
    expect(error({ ...newDraft('queue-depth'), threshold: '0' })).toBe('Holding at least: 1 messages or more');
    expect(error({ ...newDraft('queue-age'), threshold: '' })).toMatch(/^Oldest waiting at least: a number/);
    expect(error({ ...newDraft('events-silent'), threshold: String(8 * 86400) })).toMatch(/^Silent at least: at most/);
    expect(error({ ...newDraft('schedule-late'), subject: 'x'.repeat(513) })).toMatch(/^Entry:/);
    expect(error({ ...newDraft('queue-depth'), name: 'n'.repeat(201) })).toMatch(/^Name:/);
  });

  it('is said in words in the rules table', () => {
    expect(ruleWords(made({ ...newDraft('queue-depth', 'q'), subject: 'emails', threshold: '100' }))).toBe('emails holding 100 messages or more');
    expect(ruleWords(made({ ...newDraft('failure-group', 'g'), on: 'both' }))).toBe('a failure group new or regressed');
  });
});

describe('a webhook URL typed in', () => {
  it('is none when empty, an http(s) URL, or refused saying why', () => {
    expect(readWebhookUrl('  ')).toEqual({ url: null });
    expect(readWebhookUrl(' https://hooks.example/x ')).toEqual({ url: 'https://hooks.example/x' });
    expect(readWebhookUrl('hooks.example/x')).toHaveProperty('error');
    expect(readWebhookUrl('ftp://hooks.example/x')).toEqual({ error: 'Webhook: an http:// or https:// URL, please' });
  });
});
