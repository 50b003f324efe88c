import { useEffect, useState } from 'react';
import { call } from '../../api/client.js';
import type { RetryPreview } from '../../../src-main/service/contract.js';

/**
 * A failed task's Retry, or why it cannot be retried: asked of the service when the page shows
 * a failure (a Python task's message is rebuilt from its events or extended result, or not).
 */
export function RetryButton({ id, state, onNotice }: { id: string; state: string; onNotice: (text: string) => void }) {
  const [preview, setPreview] = useState<RetryPreview | null>(null);
  useEffect(() => {
    let live = true;
    void call('tasks:retryPreview', { ids: [id] }).then((p) => live && setPreview(p), () => live && setPreview(null));
    return () => {
      live = false;
    };
  }, [id, state]);
  if (!preview) return null;
  if (preview.sendable === 0) {
    const why = preview.errors[0]?.message ?? preview.reasons[0]?.label ?? 'it cannot be rebuilt';
    return <span className="small muted" data-testid="retry-why">Cannot be retried: {why}</span>;
  }
  const send = (): void => void call('tasks:retry', { ids: [id] }).then(
    (r) => onNotice(r.retried.length ? 'Sent again.' : `Not sent: ${r.errors[0]?.message ?? 'unknown reason'}`),
    (e: Error) => onNotice(e.message),
  );
  return <button className="primary" onClick={send}>Retry</button>;
}
