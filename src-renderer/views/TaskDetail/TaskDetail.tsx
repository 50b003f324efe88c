import { useEffect, useState } from 'react';
import { Notice } from '../Notice.js';
import { call, on } from '../../api/client.js';
import type { TaskDetail as Detail } from '../../api/contract.js';
import { WorkflowTree } from './WorkflowTree.js';
import { NoConsumer } from './NoConsumer.js';
import { RetryButton } from './RetryButton.js';
import { ResendButton } from './ResendButton.js';
import { ResendLinks } from './ResendLinks.js';
import { LongText } from '../../format/LongText.js';
import { duration, fromNow, localTime, parseTime } from '../../format/units.js';

/** One task: arguments, result or error with traceback, every attempt; retry and revoke. */
export function TaskDetail({ id, onBack }: { id: string; onBack: () => void }) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [terminate, setTerminate] = useState(false);
  useEffect(() => {
    const load = (): void => void call('tasks:get', { id }).then(setDetail);
    load();
    // Only this task's changes reload it (a busy cluster changes thousands a second).
    return on('tasks:changed', (changed) => changed.some((t) => t.id === id) && load());
  }, [id]);
  if (!detail) return <p className="muted">Loading…</p>;
  // The task as the service merged it (the history's row, the record and the stored result, by
  // the history's rule): the list's state and fields. The raw record and stored result are
  // shown only for what they alone hold (priority, batch, the result's value, the traceback).
  const { record, meta, attempts, runs, state, failure, progress } = detail;
  const h = detail.history;
  const name = h?.name ?? null;
  const failed = state === 'FAILURE' || state === 'REVOKED';
  const copy = (text: string): void => void navigator.clipboard?.writeText(text);
  return (
    <section>
      <header className="view-header">
        <h2><button className="link" onClick={onBack}>Tasks</button> / <span className="mono">{name ?? 'task'}</span></h2>
        <div className="filters">
          {failed && <RetryButton id={id} state={state} onNotice={setNotice} />}
          {h?.name && <ResendButton id={id} onNotice={setNotice} />}
          {!['SUCCESS', 'FAILURE', 'REVOKED'].includes(state) && (
            <>
              <label className="small" title="A task already running is stopped (its worker aborts it); without this only a task not started yet is dropped, as Celery's revoke">
                <input type="checkbox" checked={terminate} onChange={(e) => setTerminate(e.target.checked)} /> terminate if running
              </label>
              <button className="danger" onClick={() => void call('tasks:revoke', { ids: [id], terminate }).then(() => setNotice(terminate ? 'Revoked; stopped if it was running.' : 'Revoked.'))}>Revoke</button>
            </>
          )}
        </div>
      </header>
      {notice && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}
      {state === 'PENDING' && h?.queue && !h.received_at && !h.worker && <NoConsumer queue={h.queue} />}
      <dl className="facts">
        <dt>Id</dt><dd className="mono">{id} <button className="link" onClick={() => copy(id)}>copy</button></dd>
        <dt>State</dt>
        <dd>
          <span className={`badge ${state}`} data-testid="detail-state">{state}</span>
          {progress && <progress className="bar wide" value={progress.current} max={progress.total} />}
        </dd>
        <dt>Task</dt><dd className="mono">{name ?? '—'}</dd>
        <dt>Arguments</dt><dd><LongText className="mono" testId="detail-args" text={h ? `${h.args ?? ''} ${h.kwargs && h.kwargs !== '{}' ? h.kwargs : ''}` : ''} /></dd>
        <dt>Queue</dt><dd className="mono">{h?.queue || 'unknown'}</dd>
        <dt>Worker</dt><dd className="mono">{h?.worker ?? '—'}</dd>
        <ResendLinks links={detail.links} />
        {record && <><dt>Priority</dt><dd>{record.priority}</dd></>}
        {(h?.received_at || h?.started_at || h?.succeeded_at || h?.failed_at) && (
          <>
            <dt>Times</dt>
            <dd data-testid="detail-times">
              {h.received_at ? `received ${time(h.received_at)} (${fromNow(h.received_at * 1000, Date.now())})` : ''}
              {h.started_at ? ` · started ${time(h.started_at)}` : ''}
              {h.succeeded_at || h.failed_at ? ` · finished ${time((h.succeeded_at ?? h.failed_at)!)}` : ''}
              {h.runtime !== null ? ` · ran ${duration(h.runtime)}` : ''}
            </dd>
          </>
        )}
        {h && (h.eta || (h.retries ?? 0) > 0) && (
          <><dt>ETA, retries</dt><dd>{isoTime(h.eta) ?? 'none'}, {h.retries ?? 0}</dd></>
        )}
        {record?.group && <><dt>Batch</dt><dd><a href={`#/batches/${encodeURIComponent(record.group)}`} className="mono">{record.group}</a></dd></>}
        {state === 'FAILURE' && !meta.traceback && (
          <><dt>Why</dt><dd className="error-text">{failure ?? 'no reason was stored'}</dd></>
        )}
      </dl>
      {meta.status === 'SUCCESS' && (
        <>
          <h3>Result</h3>
          <LongText pre className="code" testId="detail-result" text={JSON.stringify(meta.result, null, 2) ?? ''} />
        </>
      )}
      {meta.traceback && (
        <>
          <h3>Error</h3>
          <LongText pre className="code error-text" text={meta.traceback} />
        </>
      )}
      <WorkflowTree id={id} />
      <h3>Attempts</h3>
      {runs.length > 0 ? (
        <table className="table" aria-label="attempts" data-testid="runs">
          <thead><tr><th>#</th><th>State</th><th>Worker</th><th>Received</th><th>Started</th><th>Ended</th><th>Error</th></tr></thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.n}>
                <td>{r.n + 1}</td>
                <td><span className={`badge ${r.state}`}>{r.state}</span></td>
                <td className="mono">{r.worker ?? '—'}</td>
                <td>{r.received_at ? time(r.received_at) : '—'}</td>
                <td>{r.started_at ? time(r.started_at) : '—'}</td>
                <td>{r.ended_at ? time(r.ended_at) : '—'}</td>
                <td className="mono">{r.exception ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : attempts.length === 0 ? (
        <p className="muted">One attempt{record?.runtime !== undefined ? `, ${duration(record.runtime)}` : ''}.</p>
      ) : (
        <table className="table" aria-label="attempts">
          <thead><tr><th>#</th><th>State</th><th>Worker</th><th>Started</th><th className="num">Runtime</th><th>Error</th></tr></thead>
          <tbody>
            {attempts.map((a, i) => (
              <tr key={i}>
                <td>{a.retries + 1}</td>
                <td><span className={`badge ${a.state}`}>{a.state}</span></td>
                <td className="mono">{a.worker}</td>
                <td>{localTime(a.started, Date.now())}</td>
                <td className="num">{duration(a.runtime)}</td>
                <td className="mono">{a.error ? `${a.error.type}: ${a.error.message}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function time(unixSeconds: number): string {
  return localTime(unixSeconds * 1000, Date.now());
}

/** An ISO time (an ETA) in local time, "in 5 min" beside it; text that is no time as it is. */
function isoTime(text: string | null | undefined): string | null {
  const ms = parseTime(text);
  return ms === null ? text ?? null : `${localTime(ms, Date.now())} (${fromNow(ms, Date.now())})`;
}
