import { useState, type FormEvent } from 'react';
import type { AlertConfigChange, AlertConfigView, AlertWebhookStatus } from '../../api/contract.js';
import { isDesktop } from '../../api/client.js';
import { When } from '../../format/When.js';
import { readWebhookUrl } from './webhook-url.js';

/**
 * Where alerts go besides this page: a Slack-compatible webhook (and how its deliveries are
 * doing), and a desktop notification. The webhook's address is shown redacted (its path is the
 * secret, and the page never gets it back): it is kept, replaced by one typed, or removed.
 * `onTest` is there when the back end can send a test (null: to the configured webhook).
 */
export function DeliveryForm({ delivery, webhook, locked, onSave, onTest }: {
  delivery: AlertConfigView['delivery'];
  webhook: AlertWebhookStatus | null;
  locked: string | null;
  onSave: (delivery: AlertConfigChange['delivery']) => Promise<void>;
  onTest: ((url: string | null) => Promise<void>) | null;
}) {
  const [replacement, setReplacement] = useState('');
  const [remove, setRemove] = useState(false);
  const [desktop, setDesktop] = useState(delivery.desktop);
  const [error, setError] = useState<string | null>(null);
  const off = locked !== null;
  const changed = replacement.trim() !== '' || remove || desktop !== delivery.desktop;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const read = remove ? { url: null } : readWebhookUrl(replacement);
    if ('error' in read) return setError(read.error);
    setError(null);
    // A browser shows notifications only once the reader allows them: asked as they are turned on.
    if (desktop && !isDesktop && 'Notification' in window && Notification.permission === 'default') await Notification.requestPermission();
    const webhookUrl = read.url ?? (delivery.webhookSet && !remove ? { keep: true as const } : null);
    await onSave({ webhookUrl, desktop }).catch((err: Error) => setError(err.message));
  };
  const test = (): void => {
    const read = readWebhookUrl(replacement);
    if ('error' in read) return setError(read.error);
    if (read.url === null && !delivery.webhookSet) return setError('Webhook: a URL to send the test to, please');
    setError(null);
    onTest!(read.url).catch((err: Error) => setError(err.message));
  };

  return (
    <form className="form" aria-label="alert delivery" onSubmit={(e) => void submit(e)} noValidate>
      {delivery.webhookSet && <p className="small" data-testid="webhook-current">Sending to <code>{delivery.webhookUrl}</code> (the rest of the address is kept on the server, not shown)</p>}
      <label title={locked ?? undefined}>
        <span>{delivery.webhookSet ? 'Webhook: replace it' : 'Webhook'} <span className="help">(Slack-compatible: a JSON body with <code>text</code>; {delivery.webhookSet ? 'empty keeps the one set' : 'empty for none'})</span></span>
        <input className="mono" type="url" value={replacement} disabled={off || remove} onChange={(e) => setReplacement(e.target.value)} placeholder="https://hooks.slack.com/services/…" />
      </label>
      {delivery.webhookSet && <label className="check" title={locked ?? undefined}><input type="checkbox" checked={remove} disabled={off} onChange={(e) => setRemove(e.target.checked)} /> Remove the webhook (send to none)</label>}
      <label className="check" title={locked ?? undefined}><input type="checkbox" checked={desktop} disabled={off} onChange={(e) => setDesktop(e.target.checked)} /> Desktop notification when an alert fires or resolves{isDesktop ? '' : ' (this browser, while the page is open)'}</label>
      <div className="actions" title={locked ?? undefined}>
        {onTest && <button type="button" disabled={off || remove} onClick={test}>Send a test</button>}
        <button className="primary" type="submit" disabled={off || !changed}>Save delivery</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {webhook && webhook.url && <WebhookStatusLine status={webhook} />}
    </form>
  );
}

/** How the webhook's deliveries are doing. */
function WebhookStatusLine({ status }: { status: AlertWebhookStatus }) {
  return (
    <p className="small" data-testid="webhook-status">
      Webhook: {status.delivered} delivered{status.lastDeliveredAt !== null && <> (last <When ms={status.lastDeliveredAt} relative />)</>} · {status.pending} pending
      {' · '}<span className={status.failed > 0 ? 'error-text' : undefined}>{status.failed} failed</span>
      {status.dropped > 0 && <span className="error-text"> · {status.dropped} dropped (too many waiting)</span>}
      {status.lastError && <span className="error-text"> · last error: {status.lastError}</span>}
    </p>
  );
}
