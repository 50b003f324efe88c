import type { RetryPreview } from '../../api/contract.js';

/** Why some tasks cannot be sent again, one line per reason: how many, and the first few of them linked. */
export function RetryReasons({ reasons }: { reasons: RetryPreview['reasons'] }) {
  if (reasons.length === 0) return null;
  return (
    <ul className="small" aria-label="why not">
      {reasons.map((r) => (
        <li key={r.code} data-reason={r.code}>
          <strong>{r.count.toLocaleString()}</strong> {r.label}:{' '}
          {r.ids.map((id) => <a key={id} className="mono" href={`#/tasks/${encodeURIComponent(id)}`}>{id.slice(0, 8)} </a>)}
          {r.count > r.ids.length ? `… and ${(r.count - r.ids.length).toLocaleString()} more` : ''}
        </li>
      ))}
    </ul>
  );
}
