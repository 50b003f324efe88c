import { useState, type FormEvent } from 'react';
import type { AlertRule } from '../../api/contract.js';
import { fromDraft, KIND_ORDER, KINDS, newDraft, toDraft, type GroupTrigger, type RuleDraft } from './rule-draft.js';

/**
 * Adds or edits one rule: the kind first, then that kind's own fields (typed, with their
 * units), checked before `onSave` is called; the kind of a saved rule stays as it is.
 */
export function RuleForm({ rule, onSave, onCancel }: { rule: AlertRule | null; onSave: (rule: AlertRule) => Promise<void>; onCancel: () => void }) {
  const [draft, setDraft] = useState<RuleDraft>(() => (rule ? toDraft(rule) : newDraft('failure-rate')));
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const spec = KINDS[draft.kind];
  const set = (change: Partial<RuleDraft>): void => setDraft((d) => ({ ...d, ...change }));

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const made = fromDraft(draft);
    if ('error' in made) {
      setError(made.error);
      return;
    }
    setError(null);
    setSaving(true);
    onSave(made.rule).catch((err: Error) => setError(err.message)).finally(() => setSaving(false));
  };

  return (
    <form className="form" aria-label="alert rule" onSubmit={submit} noValidate>
      <div className="row two">
        <label>
          Kind
          <select value={draft.kind} disabled={rule !== null} onChange={(e) => setDraft({ ...newDraft(e.target.value as RuleDraft['kind'], draft.id), name: draft.name, enabled: draft.enabled })}>
            {KIND_ORDER.map((k) => <option key={k} value={k}>{KINDS[k].label}</option>)}
          </select>
        </label>
        <label>
          <span>Name <span className="help">(optional)</span></span>
          <input value={draft.name} onChange={(e) => set({ name: e.target.value })} placeholder={spec.label} />
        </label>
      </div>
      <p className="help">{spec.help}</p>
      {spec.subject && (
        <label>
          {spec.subject.label}
          <input className="mono" value={draft.subject} onChange={(e) => set({ subject: e.target.value })} placeholder={`empty: ${spec.subject.any}`} />
        </label>
      )}
      {spec.threshold && (
        <label>
          {spec.threshold.label} ({spec.threshold.unit})
          <input type="number" inputMode="decimal" value={draft.threshold} onChange={(e) => set({ threshold: e.target.value })} />
        </label>
      )}
      {spec.window && (
        <div className="row two">
          <label>Window (s)<input type="number" value={draft.windowSeconds} onChange={(e) => set({ windowSeconds: e.target.value })} /></label>
          <label>At least (ended tasks in the window)<input type="number" value={draft.minTasks} onChange={(e) => set({ minTasks: e.target.value })} /></label>
        </div>
      )}
      {draft.kind === 'failure-group' && (
        <label>
          When a group is
          <select value={draft.on} onChange={(e) => set({ on: e.target.value as GroupTrigger })}>
            <option value="new">new (seen for the first time)</option>
            <option value="regressed">regressed (resolved, then failing again)</option>
            <option value="both">new or regressed</option>
          </select>
        </label>
      )}
      <label className="check"><input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> Enabled</label>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="actions">
        <button type="button" onClick={onCancel}>Cancel</button>
        <button className="primary" type="submit" disabled={saving}>{rule ? 'Save rule' : 'Add rule'}</button>
      </div>
    </form>
  );
}
