import { useEffect, useState } from 'react';
import { call, isDesktop, on } from '../../api/client.js';
import type { Alert } from '../../api/contract.js';

/** An episode fired or resolved, as a notification's title. */
export function noticeTitle(alert: Alert): string {
  return `${alert.state === 'firing' ? 'Alert' : 'Resolved'}: ${alert.ruleName}`;
}

/**
 * In a browser: each alert fired or resolved as a Notification API notification when the
 * connection's delivery says desktop (the desktop app's main process shows its own, as it does
 * batch notices). Returns how many alerts fire now, for the navigation; null until known.
 * `connection` changes when the room connects, switches or comes back: the count is read afresh.
 */
export function useAlertNotices(connection: string | null): number | null {
  const [firing, setFiring] = useState<number | null>(null);
  useEffect(() => {
    setFiring(null);
    if (connection === null) return;
    let live = true;
    const count = (): void => {
      call('alerts:list', {}).then((v) => live && setFiring(v.firing.length), () => undefined);
    };
    count();
    const off = on('alerts:changed', (change) => {
      count();
      if (change.desktop) showNotification(change.alert);
    });
    return () => {
      live = false;
      off();
    };
  }, [connection]);
  return firing;
}

function showNotification(alert: Alert): void {
  if (isDesktop || !('Notification' in window) || Notification.permission !== 'granted') return;
  const note = new Notification(noticeTitle(alert), { body: alert.summary, tag: `${alert.id}:${alert.state}` });
  note.onclick = () => {
    window.focus();
    location.hash = '#/alerts';
  };
}
