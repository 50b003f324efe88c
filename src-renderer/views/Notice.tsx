import type { ReactNode } from 'react';

/** What an action just did ("Sent again.", "Revoked 3."), until the reader dismisses it. */
export function Notice({ children, onDismiss }: { children: ReactNode; onDismiss: () => void }) {
  return (
    <p className="notice dismissible" role="status">
      <span>{children}</span>
      <DismissButton onClick={onDismiss} />
    </p>
  );
}

/** The × that hides a banner or a notice. */
export function DismissButton({ onClick }: { onClick: () => void }) {
  return <button type="button" className="link dismiss" aria-label="dismiss" title="Dismiss" onClick={onClick}>×</button>;
}
