import type { QueuedMessageView } from '../../api/contract.js';
import { duration } from '../../format/units.js';

/** What a row's buttons do; `locked` says why they are off (a read-only room), or null. */
export interface RowActions {
  locked: string | null;
  view(m: QueuedMessageView): void;
  remove(m: QueuedMessageView): void;
  move(m: QueuedMessageView): void;
  runNow(m: QueuedMessageView): void;
}

/**
 * One page of waiting messages, in the order workers take them: task, id, args, kwargs, ETA,
 * retries, origin and age (from when the room first saw the task; "unknown" when it never
 * did). Rows can be selected for the bulk actions.
 */
export function MessageTable({ shown, selected, onSelect, actions }: {
  shown: readonly QueuedMessageView[];
  selected: ReadonlySet<string>;
  onSelect: (keys: string[], on: boolean) => void;
  actions: RowActions;
}) {
  const allOn = shown.length > 0 && shown.every((m) => selected.has(m.key));
  return (
    <table className="table messages" aria-label="waiting messages">
      <thead>
        <tr>
          <th><input type="checkbox" aria-label="select the page" checked={allOn} onChange={(e) => onSelect(shown.map((m) => m.key), e.target.checked)} /></th>
          <th className="num">#</th><th>Task</th><th>Args</th><th>Kwargs</th><th>ETA</th><th className="num">Retries</th><th>Origin</th><th>Age</th><th />
        </tr>
      </thead>
      <tbody>
        {shown.map((m) => (
          <tr key={m.key} data-message={m.id ?? m.key} data-step={m.step}>
            <td><input type="checkbox" aria-label={`select ${m.id ?? m.key}`} checked={selected.has(m.key)} onChange={(e) => onSelect([m.key], e.target.checked)} /></td>
            <td className="num muted">{m.position + 1}</td>
            <td>
              {m.task ? <span className="mono">{m.task}</span> : <span className="error-text small">{m.problem}</span>}
              {m.id && <div className="small muted mono">{m.id}</div>}
              <div className="small muted">priority {m.priority}{m.contentType && m.contentType !== 'application/json' ? ` · ${m.contentType}` : ''}{m.compression ? ` · ${m.compression}` : ''}</div>
            </td>
            <td className="mono small args">{m.args}</td>
            <td className="mono small args">{m.kwargs === '{}' ? '' : m.kwargs}{m.argsCut && <span className="muted"> (cut: view shows all)</span>}</td>
            <td className="small">{m.eta ?? ''}</td>
            <td className="num">{m.retries || ''}</td>
            <td className="mono small">{m.origin}</td>
            <td className="small" data-testid="age">{m.age === null ? <span className="muted" title="the room never saw this task sent: a kombu message carries no time">unknown</span> : duration(m.age)}</td>
            <td className="actions">
              <button onClick={() => actions.view(m)}>View</button>
              <button disabled={actions.locked !== null} title={actions.locked ?? 'Put it next in line'} onClick={() => actions.runNow(m)}>Run now</button>
              <button disabled={actions.locked !== null} title={actions.locked ?? 'Move it to another queue'} onClick={() => actions.move(m)}>Move</button>
              <button className="danger" disabled={actions.locked !== null} title={actions.locked ?? 'Delete it'} onClick={() => actions.remove(m)}>Delete</button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
