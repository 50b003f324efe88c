import { useState, type ReactNode } from 'react';

/**
 * Asks before an action that changes the queue: says what will happen to how many messages,
 * then runs it once (a second click while it runs does nothing) and closes. `children` may
 * hold a field the action needs (the queue to move to); `ready` false keeps the button off.
 */
export function ConfirmDialog({ title, children, action, danger = false, ready = true, onConfirm, onClose }: {
  title: string;
  children: ReactNode;
  /** The confirm button's words ("Delete 3"). */
  action: string;
  danger?: boolean;
  ready?: boolean;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const confirm = (): void => {
    if (busy) return;
    setBusy(true);
    void onConfirm().finally(() => {
      setBusy(false);
      onClose();
    });
  };
  return (
    <div className="modal-backdrop" role="presentation" onClick={() => !busy && onClose()}>
      <form className="form modal confirm" role="dialog" aria-label={title} onClick={(e) => e.stopPropagation()} onSubmit={(e) => (e.preventDefault(), confirm())}>
        <h3>{title}</h3>
        {children}
        <div className="actions">
          <button type="button" disabled={busy} onClick={onClose}>Cancel</button>
          <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy || !ready} aria-busy={busy}>{busy ? 'Working…' : action}</button>
        </div>
      </form>
    </div>
  );
}
