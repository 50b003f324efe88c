import { useState } from 'react';
import { Notice } from '../Notice.js';
import { When } from '../../format/When.js';
import { call } from '../../api/client.js';
import { useCall } from '../../api/use-call.js';
import { RetryAll } from './RetryAll.js';
import { useConnection } from '../../api/use-connection.js';
import { READ_ONLY_TRIAGE, TriageActions, TriageBadges } from './Triage.js';

/**
 * Failures grouped by cause (task, exception type, the message with ids, numbers and paths
 * normalised): how many, first and last seen, one traceback, the tasks; retry them all (it says
 * first how many can be sent and why not the rest), or revoke those still retrying (it asks first).
 * Triage: a group is marked resolved (a failure after shows it regressed), ignored (hidden here
 * and left out of the failed count unless shown), or open again.
 */
export function Failures() {
  const [showIgnored, setShowIgnored] = useState(false);
  const { data, error, reload } = useCall('failures:groups', { includeIgnored: showIgnored }, [showIgnored]);
  const readOnly = useConnection().status?.readOnly === true;
  const [open, setOpen] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  if (error && !data) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Grouping failures…</p>;
  return (
    <section>
      <header className="view-header">
        <h2>Failures by cause</h2>
        <div className="filters">
          <span className="muted">{data.scanned.toLocaleString()} failing tasks{data.truncated ? ' (the newest; older ones are not grouped)' : ''}</span>
          <label className="small">
            <input type="checkbox" checked={showIgnored} onChange={(e) => setShowIgnored(e.target.checked)} data-testid="show-ignored" /> show ignored ({data.ignored})
          </label>
          <button onClick={reload}>Refresh</button>
        </div>
      </header>
      {notice && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}
      {readOnly && <p className="small muted">{READ_ONLY_TRIAGE}</p>}
      {data.groups.length === 0 ? (
        <p className="empty">No failures in the history.</p>
      ) : (
        <table className="table" aria-label="failure groups">
          <thead><tr><th className="num">Count</th><th>Task</th><th>Exception</th><th>First / last seen</th><th /></tr></thead>
          <tbody>
            {data.groups.map((g) => (
              <tr key={g.key} data-group={g.name}>
                <td className="num" data-testid="group-count">{g.count}{g.retrying ? <div className="small muted">{g.retrying} retrying</div> : null}</td>
                <td><span className="mono">{g.name}</span><TriageBadges triage={g.triage} /></td>
                <td>
                  <span className="mono error-text">{g.exceptionType}</span> <span className="mono">{g.pattern}</span>
                  {open === g.key && (
                    <>
                      {g.traceback && <pre className="code error-text">{g.traceback}</pre>}
                      {g.tracebackOmitted && <p className="small muted">{g.tracebackOmitted}</p>}
                      <p className="small">{g.tasks.map((t) => <a key={t.id} className="mono" href={`#/tasks/${encodeURIComponent(t.id)}`}>{t.id.slice(0, 8)} </a>)}{g.count > g.tasks.length ? `… and ${g.count - g.tasks.length} more` : ''}</p>
                    </>
                  )}
                </td>
                <td className="small"><When ms={g.firstSeen * 1000} relative /><br /><When ms={g.lastSeen * 1000} relative /></td>
                <td className="actions">
                  <button onClick={() => setOpen(open === g.key ? null : g.key)}>{open === g.key ? 'Hide' : 'Traceback, tasks'}</button>
                  <TriageActions groupKey={g.key} triage={g.triage} readOnly={readOnly} onDone={(text) => { if (text) setNotice(text); reload(); }} />
                  <RetryAll groupKey={g.key} disabled={g.count === g.retrying} onDone={(text) => { setNotice(text); reload(); }} />
                  <button className="danger" disabled={g.retrying === 0} onClick={() => window.confirm(`Revoke the ${g.retrying} still retrying?`) && void call('failures:revokeGroup', { key: g.key }).then((r) => { setNotice(`Revoked ${r.revoked.length}.`); reload(); }, (e: Error) => setNotice(e.message))}>Revoke the rest</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
