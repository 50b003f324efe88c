import type { AlertRule } from '../../api/contract.js';
import { KINDS, ruleWords } from './rule-draft.js';

/**
 * The connection's rules: what each watches, in words; enable or disable, edit, delete (it asks
 * first). `locked` says why nothing can be changed here (a read-only room), or is null.
 */
export function RulesTable({ rules, locked, onToggle, onEdit, onDelete }: {
  rules: AlertRule[];
  locked: string | null;
  onToggle: (rule: AlertRule) => void;
  onEdit: (rule: AlertRule) => void;
  onDelete: (rule: AlertRule) => void;
}) {
  if (rules.length === 0) return <p className="empty">No rules yet: nothing is watched. Add one, or write them in the settings file.</p>;
  return (
    <table className="table" aria-label="alert rules">
      <thead><tr><th>Rule</th><th>Kind</th><th>Watches</th><th /></tr></thead>
      <tbody>
        {rules.map((r) => (
          <tr key={r.id} data-rule={r.id} className={r.enabled ? undefined : 'muted'}>
            <td>{r.name || KINDS[r.kind].label}{r.enabled ? '' : ' (disabled)'}</td>
            <td className="small">{KINDS[r.kind].label}</td>
            <td data-testid="rule-words">{ruleWords(r)}</td>
            <td title={locked ?? undefined}>
              <div className="actions">
                <button disabled={locked !== null} onClick={() => onToggle(r)}>{r.enabled ? 'Disable' : 'Enable'}</button>
                <button disabled={locked !== null} onClick={() => onEdit(r)}>Edit</button>
                <button className="danger" disabled={locked !== null} onClick={() => window.confirm(`Delete the rule "${r.name || ruleWords(r)}"?`) && onDelete(r)}>Delete</button>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
