import { useEffect } from 'react';
import { isDesktop, on } from '../../api/client.js';

/**
 * In a browser: batch notices as Notification API notifications (the back end sends none
 * when they are turned off; the desktop app shows its own), and the tab's title counts the
 * batches running.
 */
export function useBatchNotices(): void {
  useEffect(() => {
    const running = new Set<string>();
    const offChanged = on('batches:changed', (changed) => {
      for (const b of changed) {
        if (b.finished) running.delete(b.id);
        else running.add(b.id);
      }
      document.title = running.size > 0 ? `(${running.size}) Celeriac — ${running.size} batch${running.size === 1 ? '' : 'es'} running` : 'Celeriac';
    });
    const offNotice = on('batches:notice', (n) => {
      if (isDesktop || !('Notification' in window) || Notification.permission !== 'granted') return;
      const note = new Notification(n.title, { body: n.body, tag: `${n.batchId}:${n.kind}` });
      note.onclick = () => {
        window.focus();
        location.hash = `#/batches/${encodeURIComponent(n.batchId)}`;
      };
    });
    return () => {
      offChanged();
      offNotice();
    };
  }, []);
}
