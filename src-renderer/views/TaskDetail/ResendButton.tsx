import { useEffect, useState } from 'react';
import { call } from '../../api/client.js';
import { ResendDialog } from './ResendDialog.js';

/**
 * "Edit and resend" on a task's page: opens the dialog; after a new task is sent its page opens.
 * In a read-only control room it is shown disabled, with why.
 */
export function ResendButton({ id, onNotice }: { id: string; onNotice: (text: string) => void }) {
  const [open, setOpen] = useState(false);
  const [readOnly, setReadOnly] = useState(false);
  useEffect(() => {
    let live = true;
    call('connection:status', {}).then((s) => live && setReadOnly(s.readOnly === true), () => undefined);
    return () => {
      live = false;
    };
  }, []);
  const why = 'this control room is read-only (serve --read-only): nothing can be sent';
  return (
    <>
      <button disabled={readOnly} title={readOnly ? why : 'Edit its arguments, queue, priority or ETA, then send it as a new task or retry it in place'} onClick={() => setOpen(true)}>Edit and resend</button>
      {readOnly && <span className="small muted" data-testid="resend-why">Cannot resend: {why}</span>}
      {open && (
        <ResendDialog
          id={id}
          onClose={() => setOpen(false)}
          onSent={(sent, mode) => {
            setOpen(false);
            if (mode === 'new') location.hash = `#/tasks/${encodeURIComponent(sent)}`;
            else onNotice('Retried in place with the edits.');
          }}
        />
      )}
    </>
  );
}
