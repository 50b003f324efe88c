import { useCall, useEvery } from '../../api/use-call.js';
import { When } from '../../format/When.js';

/** Every worker that sends heartbeats, Python's and Celeriac's; a name opens its page. */
export function Workers() {
  const { data, error, reload } = useCall('workers:list', {});
  useEvery(reload, 2000); // heartbeats come every 2 s
  // With data already shown (Redis went away, say) the last data stays: the banner says why.
  if (error && !data) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Loading workers…</p>;
  return (
    <section>
      <header className="view-header"><h2>Workers</h2></header>
      {data.length === 0 ? (
        <p className="empty">No worker is running. Start one with <code>celeriac worker -A tasks.ts</code> (or <code>celery -A proj worker</code>); until then nothing consumes the queues.</p>
      ) : (
        <table className="table" aria-label="workers">
          <thead>
            <tr><th>Name</th><th>Software</th><th>State</th><th>Pool</th><th className="num">Concurrency</th><th>Queues</th><th className="num">Active</th><th className="num">Processed</th><th>Load</th><th>Last heartbeat</th></tr>
          </thead>
          <tbody>
            {data.map((w) => (
              <tr key={w.name} data-worker={w.name}>
                <td className="mono"><a href={`#/workers/${encodeURIComponent(w.name)}`}>{w.name}</a></td>
                <td>{w.software ? `${w.software} ${w.version ?? ''}` : ''}</td>
                <td><span className={`badge ${w.online ? 'SUCCESS' : 'FAILURE'}`}>{w.online ? 'online' : w.offlineReason === 'shutdown' ? 'offline: shut down' : 'offline: no heartbeat'}</span></td>
                <td>{w.pool}</td>
                <td className="num">{w.concurrency}</td>
                <td className="mono">{w.queues.join(', ')}</td>
                <td className="num">{w.active}</td>
                <td className="num">{w.processed}</td>
                <td className="mono">{w.loadavg?.map((n) => n.toFixed(2)).join(' ') ?? ''}</td>
                <td><When ms={w.lastHeartbeat} relative /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
