import { useState } from 'react';
import { cutText, LIST_CHARS } from '../../format/cut-text.js';
import { Notice } from '../Notice.js';
import { When } from '../../format/When.js';
import { call } from '../../api/client.js';
import { useCall, useEvery } from '../../api/use-call.js';

/**
 * Tasks waiting for their ETA or countdown: in Celeriac's shared schedule (run now, revoke) and
 * held by Python workers (`inspect scheduled`: revoke), soonest first.
 */
export function Scheduled() {
  const { data, error, reload } = useCall('scheduled:list', {});
  const [notice, setNotice] = useState<string | null>(null);
  useEvery(reload, 3000);
  if (error && !data) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Loading scheduled tasks…</p>;
  const act = (p: Promise<unknown>, said: string): void => void p.then(() => { setNotice(said); reload(); }, (e: Error) => setNotice(e.message));
  return (
    <section>
      <header className="view-header"><h2>Scheduled</h2><span className="muted">{data.total} in Celeriac's schedule</span></header>
      {notice && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}
      {data.tasks.length === 0 ? (
        <p className="empty">No task waits for an ETA or a countdown.</p>
      ) : (
        <table className="table" aria-label="scheduled tasks">
          <thead><tr><th>ETA</th><th>Task</th><th>Arguments</th><th>Queue</th><th>Held by</th><th /></tr></thead>
          <tbody>
            {data.tasks.map((t) => (
              <tr key={`${t.holder}:${t.tag ?? t.id}`} data-scheduled={t.id ?? ''}>
                <td><When ms={t.eta} relative /></td>
                <td className="mono">{t.id ? <a href={`#/tasks/${encodeURIComponent(t.id)}`}>{t.name ?? t.id}</a> : t.name ?? '?'}</td>
                <td className="mono small">{cutText(t.args, LIST_CHARS).shown}</td>
                <td className="mono">{t.queue}</td>
                <td className="mono">{t.holder}</td>
                <td className="actions">
                  {t.tag && <button onClick={() => act(call('scheduled:runNow', { tag: t.tag! }), `${t.name ?? 'The task'} goes to ${t.queue} now.`)}>Run now</button>}
                  {t.id && <button className="danger" onClick={() => window.confirm('Revoke this task? It will not run.') && act(call('tasks:revoke', { ids: [t.id!], terminate: false }), 'Revoked.')}>Revoke</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
