import { useState } from 'react';
import { cutText, LIST_CHARS } from '../../format/cut-text.js';
import { When } from '../../format/When.js';
import { call } from '../../api/client.js';
import { useCall } from '../../api/use-call.js';
import type { WorkerCommand } from '../../api/contract.js';

interface Request {
  id?: string;
  name?: string;
  args?: unknown;
  kwargs?: unknown;
  time_start?: number | null;
}

/** A worker's reply to a control, as Flower reads it: `ok` is success, anything else is not. */
function ReplyLine({ command, reply }: { command: string; reply: unknown }) {
  const r = (reply ?? {}) as { ok?: unknown; error?: unknown };
  const ok = r.ok !== undefined;
  return (
    <p className={ok ? 'notice' : 'error'} data-testid="control-reply" role="status">
      {command}: {ok ? String(r.ok) : String(r.error ?? JSON.stringify(reply))}
    </p>
  );
}

function Requests({ label, rows }: { label: string; rows: Request[] }) {
  if (rows.length === 0) return <p className="muted">None.</p>;
  return (
    <table className="table" aria-label={label}>
      <thead><tr><th>Id</th><th>Name</th><th>Arguments</th><th>Started</th></tr></thead>
      <tbody>
        {rows.map((t) => (
          <tr key={t.id}>
            <td className="mono"><a href={`#/tasks/${encodeURIComponent(t.id ?? '')}`}>{t.id}</a></td>
            <td className="mono">{t.name}</td>
            <td className="mono ellipsis">{cutText(`${JSON.stringify(t.args)} ${t.kwargs && Object.keys(t.kwargs).length ? JSON.stringify(t.kwargs) : ''}`, LIST_CHARS).shown}</td>
            <td>{t.time_start ? <When ms={t.time_start * 1000} relative /> : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * One worker, Python's or Celeriac's: what `celery inspect` says of it (Flower's eight
 * commands) and its controls, each reply shown as it came.
 */
export function WorkerDetail({ name }: { name: string }) {
  const { data, error, reload } = useCall('workers:inspect', { name }, [name]);
  const [reply, setReply] = useState<{ command: string; reply: unknown } | null>(null);
  const [n, setN] = useState('1');
  const [queue, setQueue] = useState('');
  const [task, setTask] = useState('');
  const [rate, setRate] = useState('');
  const [soft, setSoft] = useState('');
  const [hard, setHard] = useState('');

  const send = (command: WorkerCommand, args: Record<string, string | number | null> = {}): void => {
    setReply(null);
    call('workers:control', { name, command, args }).then(
      (r) => {
        setReply({ command, reply: r.reply });
        reload();
      },
      (e: Error) => setReply({ command, reply: { error: e.message } }),
    );
  };
  if (error && !data) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Asking {name}…</p>;
  const stats = (data.stats ?? null) as { pool?: Record<string, unknown>; prefetch_count?: number; total?: Record<string, number>; pid?: number; uptime?: number } | null;
  const queues = ((data.active_queues ?? []) as Array<{ name: string }>).map((q) => q.name);
  const registered = (data.registered ?? []) as string[];
  const scheduled = ((data.scheduled ?? []) as Array<{ eta?: string; request?: Request }>).map((s) => ({ ...s.request, time_start: s.eta ? Date.parse(s.eta) / 1000 : null }));
  const taskNames = registered.map((t) => t.split(' ')[0]!);
  return (
    <section>
      <header className="view-header">
        <h2><a href="#/workers">Workers</a> / <span className="mono">{name}</span></h2>
        <div className="toolbar"><button onClick={reload}>Refresh</button></div>
      </header>
      {stats === null && <p className="error">{name} did not answer within 1 s: it may be offline or busy.</p>}
      {reply && <ReplyLine command={reply.command} reply={reply.reply} />}

      <h3>Controls</h3>
      <div className="controls" aria-label="worker controls">
        <div className="toolbar">
          <label>processes <input aria-label="processes" size={3} value={n} onChange={(e) => setN(e.target.value)} /></label>
          <button onClick={() => send('pool_grow', { n: Number(n) || 1 })}>Grow pool</button>
          <button onClick={() => send('pool_shrink', { n: Number(n) || 1 })}>Shrink pool</button>
          <button className="danger" onClick={() => window.confirm(`Shut ${name} down? Its running tasks finish first; it does not come back by itself.`) && send('shutdown')}>Shut down</button>
        </div>
        <div className="toolbar">
          <input aria-label="queue" placeholder="queue" value={queue} onChange={(e) => setQueue(e.target.value)} list="worker-queues" />
          <datalist id="worker-queues">{queues.map((q) => <option key={q} value={q} />)}</datalist>
          <button disabled={!queue} onClick={() => send('add_consumer', { queue })}>Consume this queue</button>
          <button disabled={!queue} onClick={() => send('cancel_consumer', { queue })}>Stop consuming it</button>
        </div>
        <div className="toolbar">
          <select aria-label="task" value={task} onChange={(e) => setTask(e.target.value)}>
            <option value="">task…</option>
            {taskNames.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
          <input aria-label="rate limit" placeholder="10/m" size={6} value={rate} onChange={(e) => setRate(e.target.value)} />
          <button disabled={!task} onClick={() => send('rate_limit', { task_name: task, rate_limit: rate })}>Set rate limit</button>
          <input aria-label="soft time limit" placeholder="soft s" size={6} value={soft} onChange={(e) => setSoft(e.target.value)} />
          <input aria-label="hard time limit" placeholder="hard s" size={6} value={hard} onChange={(e) => setHard(e.target.value)} />
          <button disabled={!task} onClick={() => send('time_limit', { task_name: task, soft: soft ? Number(soft) : null, hard: hard ? Number(hard) : null })}>Set time limits</button>
        </div>
      </div>

      {stats && (
        <>
          <h3>Stats</h3>
          <table className="table" aria-label="stats">
            <tbody>
              <tr><th>Pool</th><td className="mono">{String(stats.pool?.implementation ?? '')} max-concurrency {String(stats.pool?.['max-concurrency'] ?? '')}</td></tr>
              <tr><th>Prefetch</th><td>{stats.prefetch_count}</td></tr>
              <tr><th>Pid, uptime</th><td>{stats.pid}, {stats.uptime} s</td></tr>
              <tr><th>Processed</th><td className="mono">{Object.entries(stats.total ?? {}).map(([k, v]) => `${k} ${v}`).join(', ') || '0'}</td></tr>
            </tbody>
          </table>
        </>
      )}
      <h3>Queues it consumes</h3>
      <p className="mono" data-testid="worker-queues">{queues.join(', ') || '—'}</p>
      <h3>Running</h3>
      <Requests label="active" rows={(data.active ?? []) as Request[]} />
      <h3>Reserved</h3>
      <Requests label="reserved" rows={(data.reserved ?? []) as Request[]} />
      <h3>Scheduled (ETA)</h3>
      <Requests label="scheduled" rows={scheduled} />
      <h3>Registered tasks</h3>
      <ul className="mono" aria-label="registered">{registered.map((t) => <li key={t}>{t}</li>)}</ul>
      <h3>Revoked</h3>
      <p className="mono">{((data.revoked ?? []) as string[]).length} ids</p>
      <h3>Configuration</h3>
      <pre className="code">{JSON.stringify(data.conf, null, 2)}</pre>
    </section>
  );
}
