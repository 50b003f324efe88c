import { useEffect, useState } from 'react';
import { call, CallError } from '../../api/client.js';
import { useCall } from '../../api/use-call.js';
import { useSingleFlight } from '../../api/single-flight.js';
import type { ResendDraft } from '../../api/contract.js';
import { ParamField } from '../Submit/ParamField.js';
import { draftFields, sentArguments, sentWhen, type ResendFields } from './resend-form.js';

/**
 * "Edit and resend": the task's call in the typed form (its declared parameters, when known) or
 * as JSON, its queue, priority and when to run; sent as a new task (its page opens) or retried
 * in place (the same id). What cannot be done says why.
 */
export function ResendDialog({ id, onSent, onClose }: { id: string; onSent: (id: string, mode: 'new' | 'in-place') => void; onClose: () => void }) {
  const [draft, setDraft] = useState<ResendDraft | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const queues = useCall('queues:list', {});
  const [form, setForm] = useState<ResendFields>({ fields: null, args: '[]', kwargs: '{}' });
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const [queue, setQueue] = useState('');
  const [priority, setPriority] = useState('0');
  const [countdown, setCountdown] = useState('');
  const [eta, setEta] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    call('tasks:resendDraft', { id }).then((d) => {
      if (!live) return;
      setDraft(d);
      const f = draftFields(d);
      setForm(f);
      setMode(f.fields ? 'form' : 'json');
      setQueue(d.queue ?? '');
      setPriority(String(d.priority));
    }, (e: Error) => live && setLoadError(e.message));
    return () => {
      live = false;
    };
  }, [id]);

  const useForm = mode === 'form' && form.fields !== null && draft?.params != null;
  const [send, busy] = useSingleFlight(async (how: 'new' | 'in-place') => {
    setError(null);
    let input;
    try {
      const p = priority.trim() === '' ? undefined : Number(priority);
      if (p !== undefined && (!Number.isInteger(p) || p < 0 || p > 9)) throw new Error('Priority is a whole number from 0 (served first) to 9');
      input = { id, ...sentArguments(draft?.params ?? null, form, useForm), queue: queue.trim() || undefined, priority: p, ...sentWhen(countdown, eta), mode: how };
    } catch (err) {
      setError((err as Error).message);
      return;
    }
    try {
      const sent = await call('tasks:resend', input);
      onSent(sent.id, sent.mode);
    } catch (err) {
      setError(err instanceof CallError ? err.error.message : (err as Error).message);
    }
  });

  // A live check of the JSON, so a typo shows before a send is tried.
  let jsonProblem: string | null = null;
  if (!useForm) {
    try {
      sentArguments(null, form, false);
    } catch (err) {
      jsonProblem = (err as Error).message;
    }
  }
  const cannotSend = !draft?.name ? (draft?.argumentsUnknown?.message ?? 'no task name is known') : null;
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <form className="form modal" role="dialog" aria-label="edit and resend" onClick={(e) => e.stopPropagation()} onSubmit={(e) => { e.preventDefault(); void send('new'); }}>
        <h3>Edit and resend <span className="mono">{draft?.name ?? ''}</span></h3>
        {loadError && <p className="error" role="alert">{loadError}</p>}
        {!draft && !loadError && <p className="muted">Reading its call…</p>}
        {draft && (
          <>
            <p className="small muted">
              {draft.from === 'message' ? 'From its kept message' : draft.from === 'result meta' ? 'Rebuilt from its extended result' : draft.from === 'events' ? "Rebuilt from its events' argument reprs" : 'Its arguments are not known'}
              {` · sent as ${draft.serializer}`}
            </p>
            {draft.argumentsUnknown && <p className="hint" data-testid="resend-unknown">Its arguments are not known: {draft.argumentsUnknown.message}. Type them.</p>}
            {draft.params && form.fields && (
              <div className="segmented" role="group" aria-label="arguments as">
                <button type="button" className={mode === 'form' ? 'on' : ''} onClick={() => setMode('form')}>Form</button>
                <button type="button" className={mode === 'json' ? 'on' : ''} onClick={() => setMode('json')}>JSON</button>
              </div>
            )}
            {useForm ? (
              draft.params!.map((p) => <ParamField key={p.name} param={p} value={form.fields![p.name] ?? ''} onChange={(v) => setForm((f) => ({ ...f, fields: { ...f.fields!, [p.name]: v } }))} />)
            ) : (
              <>
                <label>Positional arguments (JSON list)<textarea name="args" className="mono" rows={3} value={form.args} onChange={(e) => setForm((f) => ({ ...f, args: e.target.value }))} /></label>
                <label>Keyword arguments (JSON object)<textarea name="kwargs" className="mono" rows={3} value={form.kwargs} onChange={(e) => setForm((f) => ({ ...f, kwargs: e.target.value }))} /></label>
                {jsonProblem && <span className="hint" data-testid="resend-json-problem">{jsonProblem}</span>}
              </>
            )}
            <div className="row">
              <label>Queue
                <input name="queue" list="resend-queues" value={queue} onChange={(e) => setQueue(e.target.value)} placeholder="a queue" />
                <datalist id="resend-queues">{(queues.data ?? []).map((q) => <option key={q.name} value={q.name} />)}</datalist>
              </label>
              <label>Priority (0 first)<input name="priority" type="number" min={0} max={9} value={priority} onChange={(e) => setPriority(e.target.value)} /></label>
              <label>Countdown (s)<input name="countdown" type="number" min={0} value={countdown} onChange={(e) => setCountdown(e.target.value)} /></label>
              <label>or ETA<input name="eta" type="datetime-local" value={eta} onChange={(e) => setEta(e.target.value)} /></label>
            </div>
            {error && <p className="error" role="alert">{error}</p>}
            <div className="row">
              <button type="submit" className="primary" disabled={busy || cannotSend !== null || jsonProblem !== null} title={cannotSend ?? 'A new task (a new id), linked both ways to this one; this one stays as it is'}>Send as new task</button>
              <button type="button" disabled={busy || cannotSend !== null || jsonProblem !== null || draft.inPlaceRefused !== null} title={draft.inPlaceRefused?.message ?? 'The same id, retries + 1, with these edits'} onClick={() => void send('in-place')}>Retry in place</button>
              <button type="button" className="link" onClick={onClose}>Cancel</button>
            </div>
            {draft.inPlaceRefused && <p className="small muted" data-testid="resend-in-place-why">Not in place: {draft.inPlaceRefused.message}</p>}
          </>
        )}
      </form>
    </div>
  );
}
