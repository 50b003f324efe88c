import { useEffect, useState } from 'react';
import { call } from '../../api/client.js';
import { useSingleFlight } from '../../api/single-flight.js';
import type { RetryPreview } from '../../api/contract.js';

/**
 * A failed task's Retry, or why it cannot be retried: asked of the service when the page shows
 * a failure (a Python task's message is rebuilt from its events or extended result, or not).
 * One send at a time, and none again once sent until the task's state moves: a second message
 * under the same id would run the task twice.
 */
export function RetryButton({ id, state, onNotice }: { id: string; state: string; onNotice: (text: string) => void }) {
  const [preview, setPreview] = useState<RetryPreview | null>(null);
  const [sent, setSent] = useState(false);
  useEffect(() => {
    let live = true;
    setSent(false);
    void call('tasks:retryPreview', { ids: [id] }).then((p) => live && setPreview(p), () => live && setPreview(null));
    return () => {
      live = false;
    };
  }, [id, state]);
  const [send, busy] = useSingleFlight(() => call('tasks:retry', { ids: [id] }).then(
    (r) => {
      if (r.retried.length) setSent(true);
      onNotice(r.retried.length ? 'Sent again.' : `Not sent: ${r.errors[0]?.message ?? 'unknown reason'}`);
    },
    (e: Error) => onNotice(e.message),
  ));
  if (!preview) return null;
  if (preview.sendable === 0) {
    const why = preview.errors[0]?.message ?? preview.reasons[0]?.label ?? 'it cannot be rebuilt';
    return <span className="small muted" data-testid="retry-why">Cannot be retried: {why}</span>;
  }
  return <button className="primary" disabled={busy || sent} aria-busy={busy} onClick={() => send()}>{busy ? 'Sending…' : sent ? 'Sent' : 'Retry'}</button>;
}
