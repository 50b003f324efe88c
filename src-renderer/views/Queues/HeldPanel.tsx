import { useState } from 'react';
import { useCall, useEvery } from '../../api/use-call.js';
import { duration } from '../../format/units.js';

const PAGE = 20;

/**
 * What the workers hold, of one queue or of all: messages delivered and not yet acknowledged
 * (kombu's `unacked`: running with acks_late, reserved, or waiting for their ETA in a Python
 * worker's memory), oldest claim first, with the worker that holds each and how long ago it
 * claimed it.
 */
export function HeldPanel({ queue }: { queue?: string }) {
  const [offset, setOffset] = useState(0);
  const { data, error, reload } = useCall('queues:held', { ...(queue === undefined ? {} : { queue }), offset, limit: PAGE }, [queue, offset]);
  useEvery(reload, 3000);
  return (
    <section aria-label="held by workers">
      <h3>Held by workers {data && <span className="muted" data-testid="held-count">({data.total.toLocaleString()}{data.capped ? ' among the oldest claims read' : ''})</span>}</h3>
      {error && <p className="error">{error}</p>}
      {data && data.total === 0 && <p className="small muted">No worker holds a message{queue === undefined ? '' : ` of ${queue}`} now. A message a worker has taken and not yet acknowledged (running with acks_late, reserved, or waiting for its ETA) is listed here.</p>}
      {data && data.total > 0 && (
        <table className="table" aria-label="held messages">
          <thead><tr><th>Task</th>{queue === undefined && <th>Queue</th>}<th>Args</th><th>Held by</th><th title="when the worker took it; a Celeriac worker refreshes the claims of the tasks it runs, so for its messages: when it last did">Claimed</th></tr></thead>
          <tbody>
            {data.messages.map((m) => (
              <tr key={m.tag} data-held={m.id ?? m.tag}>
                <td>{m.task ? <span className="mono">{m.task}</span> : <span className="error-text small">{m.problem}</span>}{m.id && <div className="small muted mono"><a href={`#/tasks/${encodeURIComponent(m.id)}`}>{m.id}</a></div>}</td>
                {queue === undefined && <td className="mono small"><a href={`#/queues/${encodeURIComponent(m.queue)}`}>{m.queue}</a></td>}
                <td className="mono small args">{m.argsrepr}{m.kwargsrepr && m.kwargsrepr !== '{}' ? ` ${m.kwargsrepr}` : ''}</td>
                <td className="mono small" data-testid="held-owner" title={m.ownerFrom === 'inspect' ? 'the worker answered query_task for it' : m.ownerFrom === 'history' ? "the task's events and record name it" : 'no event, record or worker names it'}>
                  {m.owner ? <a href={`#/workers/${encodeURIComponent(m.owner)}`}>{m.owner}</a> : <span className="muted">unknown</span>}
                </td>
                <td className="small">
                  {m.ageSeconds === null ? <span className="muted">unknown</span> : `${duration(m.ageSeconds)} ago`}
                  {m.overdue && <div className="hint" title={`claimed longer ago than the visibility timeout (${data.visibilityTimeout} s): any worker's next sweep puts it back on its queue, and it may run twice`}>will be restored</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && data.total > PAGE && (
        <div className="toolbar pager">
          <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
          <span className="muted">{offset + 1}–{Math.min(offset + PAGE, data.total)} of {data.total}</span>
          <button disabled={offset + PAGE >= data.total} onClick={() => setOffset(offset + PAGE)}>Next</button>
        </div>
      )}
    </section>
  );
}
