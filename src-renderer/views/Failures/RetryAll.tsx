import { useState } from 'react';
import { call } from '../../api/client.js';
import { useSingleFlight } from '../../api/single-flight.js';
import type { RetryPreview } from '../../api/contract.js';
import { RetryReasons } from './RetryReasons.js';

/**
 * "Retry all" for one failure group. It asks first, with what it found: how many of the group's
 * failures can be sent again (a Python task's message rebuilt from its events or its extended
 * result) and why the rest cannot be, by reason; then it sends and says the same of what it did.
 * One request at a time: a second click while one is in flight is ignored (a group sent twice
 * is every task sent twice under its id).
 */
export function RetryAll({ groupKey, disabled, onDone }: { groupKey: string; disabled: boolean; onDone: (notice: string) => void }) {
  const [preview, setPreview] = useState<RetryPreview | null>(null);
  const [outcome, setOutcome] = useState<{ retried: number; notSent: number; reasons: RetryPreview['reasons'] } | null>(null);
  // The preview and the send share one flight: no send while asking, no second send while sending.
  const [start, busy] = useSingleFlight((request: () => Promise<void>) => request());
  const ask = (): void => start(() => {
    setOutcome(null);
    return call('failures:retryPreview', { key: groupKey }).then(setPreview, (e: Error) => onDone(e.message));
  });
  const send = (): void => start(() => call('failures:retryGroup', { key: groupKey }).then((r) => {
    setPreview(null);
    setOutcome({ retried: r.retried.length, notSent: r.notSent, reasons: r.reasons });
    onDone(`Retried ${r.retried.length}.${r.notSent ? ` ${r.notSent} not sent (reasons below).` : ''}`);
  }, (e: Error) => onDone(e.message)));
  return (
    <>
      <button className="primary" disabled={disabled || busy} onClick={ask}>Retry all</button>
      {preview && (
        <div className="notice" role="dialog" aria-label="retry all">
          <p>
            <strong>{preview.sendable.toLocaleString()}</strong> can be sent again
            {preview.sendable > 0 && <span className="small muted"> ({[
              preview.from.message && `${preview.from.message} from their kept message`,
              preview.from.resultMeta && `${preview.from.resultMeta} rebuilt from their stored result`,
              preview.from.events && `${preview.from.events} rebuilt from their events' arguments`,
            ].filter(Boolean).join(', ')})</span>}
            {preview.notSendable > 0 && <>; <strong>{preview.notSendable.toLocaleString()}</strong> cannot be:</>}
          </p>
          <RetryReasons reasons={preview.reasons} />
          <button className="primary" disabled={busy || preview.sendable === 0} aria-busy={busy} onClick={send}>{busy ? 'Sending…' : `Send ${preview.sendable.toLocaleString()} again`}</button>{' '}
          <button disabled={busy} onClick={() => setPreview(null)}>Cancel</button>
        </div>
      )}
      {outcome && outcome.notSent > 0 && (
        <div className="notice" aria-label="not sent">
          <p>Sent {outcome.retried.toLocaleString()}; {outcome.notSent.toLocaleString()} not sent:</p>
          <RetryReasons reasons={outcome.reasons} />
        </div>
      )}
    </>
  );
}
