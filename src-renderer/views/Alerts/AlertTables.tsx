import type { Alert } from '../../api/contract.js';
import { When } from '../../format/When.js';
import { duration } from '../../format/units.js';
import { KINDS } from './rule-draft.js';

/** What fires now: each alert's summary and since when, longest-firing last. */
export function FiringTable({ alerts }: { alerts: Alert[] }) {
  if (alerts.length === 0) return <p className="empty" data-testid="no-firing">Nothing is firing.</p>;
  return (
    <table className="table" aria-label="firing alerts">
      <thead><tr><th>Alert</th><th>Kind</th><th>Since</th></tr></thead>
      <tbody>
        {alerts.map((a) => (
          <tr key={a.id} data-alert={a.id} data-rule={a.ruleId} data-subject={a.subject} data-state="firing">
            <td><span className="badge FAILURE">FIRING</span> {a.summary}</td>
            <td className="small">{KINDS[a.kind]?.label ?? a.kind}</td>
            <td className="small"><When ms={a.firedAt} relative /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Episodes that fired before, newest first: when each fired, when it resolved, how long it lasted. */
export function HistoryTable({ alerts }: { alerts: Alert[] }) {
  if (alerts.length === 0) return <p className="empty">No alert has fired on this connection yet.</p>;
  return (
    <table className="table" aria-label="alert history">
      <thead><tr><th>Alert</th><th>Fired</th><th>Resolved</th><th className="num">Lasted</th></tr></thead>
      <tbody>
        {alerts.map((a) => (
          <tr key={a.id} data-alert={a.id} data-rule={a.ruleId} data-subject={a.subject} data-state={a.state}>
            <td><span className={`badge ${a.state === 'firing' ? 'FAILURE' : 'SUCCESS'}`}>{a.state === 'firing' ? 'FIRING' : 'RESOLVED'}</span> {a.summary}</td>
            <td className="small"><When ms={a.firedAt} /></td>
            <td className="small">{a.resolvedAt === null ? <span className="muted">still firing</span> : <When ms={a.resolvedAt} />}</td>
            <td className="num small">{a.resolvedAt === null ? '' : duration((a.resolvedAt - a.firedAt) / 1000)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
