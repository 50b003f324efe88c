import { Fragment, useState } from 'react';
import { Notice } from '../Notice.js';
import { When } from '../../format/When.js';
import { call } from '../../api/client.js';
import { useCall, useEvery } from '../../api/use-call.js';

const PAGE = 50;

/**
 * Messages no worker could run, newest first, with the reason (what `celeriac dead` lists):
 * the message pretty-printed (never unpickled); requeue or drop one, or all (asks first).
 */
export function DeadLetters() {
  const [offset, setOffset] = useState(0);
  const { data, error, reload } = useCall('dead:list', { offset, limit: PAGE }, [offset]);
  const [open, setOpen] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEvery(reload, 3000);
  if (error && !data) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Loading dead letters…</p>;
  const act = (p: Promise<unknown>, said: (v: never) => string): void => void p.then((v) => { setNotice(said(v as never)); reload(); }, (e: Error) => { setNotice(e.message); reload(); });
  return (
    <section>
      <header className="view-header">
        <h2>Dead letters</h2>
        <div className="filters">
          <span className="muted" data-testid="dead-count">{data.total} dead letter{data.total === 1 ? '' : 's'}{data.dropped ? ` (${data.dropped} pushed out of the full list)` : ''}</span>
          <button disabled={data.total === 0} onClick={() => window.confirm(`Put all ${data.total} back on their queues?`) && act(call('dead:requeueAll', {}), (v: { requeued: number; kept: number }) => `Requeued ${v.requeued}${v.kept ? `; ${v.kept} kept (no queue)` : ''}.`)}>Requeue all</button>
          <button className="danger" disabled={data.total === 0} onClick={() => window.confirm(`Drop all ${data.total}? They are gone for good.`) && act(call('dead:dropAll', {}), (v: { dropped: number }) => `Dropped ${v.dropped}.`)}>Drop all</button>
        </div>
      </header>
      {notice && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}
      {data.total === 0 ? (
        <p className="empty">No dead letters. A message a worker cannot run (not a Celery message, a task it does not know, a bad ETA) lands here with the reason, instead of being lost.</p>
      ) : (
        <table className="table" aria-label="dead letters">
          <thead><tr><th>When</th><th>Reason</th><th>Task</th><th>Queue</th><th>Worker</th><th /></tr></thead>
          <tbody>
            {data.entries.map((e) => (
              <Fragment key={e.key}>
                <tr data-dead={e.index}>
                  <td>{e.time ? <When ms={e.time * 1000} relative /> : ''}</td>
                  <td><span className="mono">{e.reason}</span><div className="small muted">{e.detail}</div></td>
                  <td className="mono">{e.task ?? '—'}{e.id && <div className="small muted">{e.id}</div>}</td>
                  <td className="mono">{e.queue || '—'}</td>
                  <td className="mono">{e.worker ?? ''}</td>
                  <td className="actions">
                    <button onClick={() => setOpen(open === e.key ? null : e.key)}>{open === e.key ? 'Hide' : 'Message'}</button>
                    <button disabled={!e.queue} onClick={() => act(call('dead:requeue', { index: e.index, key: e.key }), () => `Put back on ${e.queue}.`)}>Requeue</button>
                    <button className="danger" onClick={() => window.confirm('Drop this dead letter?') && act(call('dead:drop', { index: e.index, key: e.key }), () => 'Dropped.')}>Drop</button>
                  </td>
                </tr>
                {open === e.key && <tr><td colSpan={6}><pre className="code">{e.message}</pre></td></tr>}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      {data.total > PAGE && (
        <div className="toolbar">
          <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Newer</button>
          <span className="muted">{offset + 1}–{Math.min(offset + PAGE, data.total)} of {data.total}</span>
          <button disabled={offset + PAGE >= data.total} onClick={() => setOffset(offset + PAGE)}>Older</button>
        </div>
      )}
    </section>
  );
}
