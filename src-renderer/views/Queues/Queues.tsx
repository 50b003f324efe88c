import { useState } from 'react';
import { Notice } from '../Notice.js';
import { HeldPanel } from './HeldPanel.js';
import { call } from '../../api/client.js';
import { useCall, useEvery } from '../../api/use-call.js';

/** Every queue with its depth per priority, live; pause / resume; purge asks first; a queue's name opens its browser; what the workers hold, below. */
export function Queues() {
  const { data, error, reload } = useCall('queues:list', {});
  const workers = useCall('workers:list', {});
  // Which online workers consume each queue (Python's from inspect active_queues).
  const consumers = new Map<string, string[]>();
  for (const w of workers.data ?? []) if (w.online) for (const q of w.queues) consumers.set(q, [...(consumers.get(q) ?? []), w.name]);
  const consumed = new Set(consumers.keys());
  const [message, setMessage] = useState<string | null>(null);
  const purge = async (queue: string): Promise<void> => {
    if (!window.confirm(`Delete every waiting message in ${queue}?`)) return;
    const { purged } = await call('queues:purge', { queue, confirm: true });
    setMessage(`Purged ${purged} message${purged === 1 ? '' : 's'} from ${queue}.`);
    reload();
  };
  const pause = async (queue: string, paused: boolean): Promise<void> => {
    const r = paused ? await call('queues:resume', { queue }) : await call('queues:pause', { queue });
    const told = r.told.length ? ` (${paused ? 'add_consumer' : 'cancel_consumer'} sent to ${r.told.join(', ')})` : '';
    setMessage(`${paused ? 'Resumed' : 'Paused'} ${queue}${told}.`);
    reload();
    workers.reload();
  };
  useEvery(reload, 2000);
  // With data already shown (Redis went away, say) the last data stays: the banner says why.
  if (error && !data) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Loading queues…</p>;
  return (
    <section>
      <header className="view-header">
        <h2>Queues</h2>
        <button onClick={() => (reload(), workers.reload())}>Refresh</button>
      </header>
      {message && <Notice onDismiss={() => setMessage(null)}>{message}</Notice>}
      <table className="table" aria-label="queues">
        <thead>
          <tr>
            <th>Queue</th>
            <th className="num">Waiting</th>
            <th className="num">Priority 0–2</th>
            <th className="num">3–5</th>
            <th className="num">6–8</th>
            <th className="num">9</th>
            <th>Consumed by</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data.map((q) => (
            <tr key={q.name} data-queue={q.name}>
              <td className="mono">
                <a href={`#/queues/${encodeURIComponent(q.name)}`} title="Browse its waiting messages and what the workers hold">{q.name}</a>
                {q.paused && <span className="chip" data-testid={`paused-${q.name}`} title="paused: Celeriac workers do not consume it; Python workers were sent cancel_consumer"> paused</span>}
                {workers.data && !q.paused && !consumed.has(q.name) && q.depth > 0 && <span className="hint"> · no worker is consuming this queue</span>}
              </td>
              <td className="num strong" data-testid={`depth-${q.name}`}>{q.depth}</td>
              {['0', '3', '6', '9'].map((step) => (
                <td key={step} className="num">{q.byPriority[step]}</td>
              ))}
              <td className="mono small" data-testid={`consumers-${q.name}`}>
                {(consumers.get(q.name) ?? []).map((name, i) => (
                  <span key={name}>{i > 0 && ', '}<a href={`#/workers/${encodeURIComponent(name)}`}>{name}</a></span>
                ))}
              </td>
              <td className="actions">
                <button onClick={() => void pause(q.name, q.paused)}>{q.paused ? 'Resume' : 'Pause'}</button>
                <button className="danger" disabled={q.depth === 0} onClick={() => void purge(q.name)}>Purge</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <HeldPanel />
    </section>
  );
}
