import { useEffect, useState } from 'react';
import { call } from '../../api/client.js';
import type { QueuedMessageDetail, QueuedMessageView } from '../../api/contract.js';

/** One waiting message whole: its envelope, the body decoded (never unpickled). */
export function MessageView({ queue, shown, onClose }: { queue: string; shown: QueuedMessageView; onClose: () => void }) {
  const [detail, setDetail] = useState<QueuedMessageDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    call('queues:message', { queue, key: shown.key, position: shown.position }).then((d) => live && setDetail(d), (e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [queue, shown.key, shown.position]);
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div className="form modal" role="dialog" aria-label="message" onClick={(e) => e.stopPropagation()}>
        <header className="view-header">
          <h3 className="mono">{shown.task ?? 'message'} <span className="muted small">{shown.id}</span></h3>
          <button onClick={onClose}>Close</button>
        </header>
        {error && <p className="error">{error}</p>}
        {!detail && !error && <p className="muted">Reading the message…</p>}
        {detail && (
          <>
            <p className="small muted">Waiting in {queue}, priority sub-list {detail.message.step}, position {detail.message.position + 1}; {detail.message.size.toLocaleString()} characters as stored.</p>
            <pre className="code wrap-anywhere" data-testid="message-pretty">{detail.pretty}</pre>
          </>
        )}
      </div>
    </div>
  );
}
