import { useEffect, useState } from 'react';
import { When } from '../../format/When.js';
import { call, isDesktop } from '../../api/client.js';
import { useBatches } from './use-batches.js';
import { BatchBar } from './BatchBar.js';
import type { Settings } from '../../api/contract.js';

/** Every batch with its bar; drop files anywhere (or choose them) to start one. */
export function Batches({ onChoose }: { onChoose: (files: FileList) => void }) {
  const { batches, error } = useBatches();
  const [settings, setSettings] = useState<Settings | null>(null);
  useEffect(() => void call('settings:get', {}).then(setSettings, () => undefined), []);

  const toggleNotifications = async (on: boolean): Promise<void> => {
    // The browser asks once, on this click; the desktop app shows its own notifications.
    if (on && !isDesktop && 'Notification' in window && Notification.permission === 'default') await Notification.requestPermission();
    setSettings(await call('settings:set', { notifications: on }));
  };

  return (
    <section>
      <header className="view-header">
        <h2>Batches</h2>
        <div className="toolbar">
          {settings && (
            <label className="check"><input type="checkbox" checked={settings.notifications} onChange={(e) => void toggleNotifications(e.target.checked)} /> Notify me when a batch ends</label>
          )}
          <label className="button primary">Choose files…<input type="file" multiple hidden aria-label="choose files" onChange={(e) => e.target.files && onChoose(e.target.files)} /></label>
          <label className="button">Choose a folder…<input type="file" hidden aria-label="choose a folder" {...{ webkitdirectory: '' }} onChange={(e) => e.target.files && onChoose(e.target.files)} /></label>
        </div>
      </header>
      {error && <p className="error">{error}</p>}
      {batches && batches.length === 0 && (
        <p className="empty drop-hint">Drop files or folders anywhere in this window to run a task on each of them (resize images, convert, compress, checksum…). A CSV or JSONL file runs one task per row.</p>
      )}
      <div className="batches">
        {batches?.map((b) => (
          <a key={b.id} className="batch-card" href={`#/batches/${encodeURIComponent(b.id)}`} data-batch={b.id}>
            <div className="batch-title"><strong>{b.task}</strong> <span className="muted"><When ms={b.created} relative /></span>{b.finished && <span className={`badge ${b.counts.failed ? 'FAILURE' : 'SUCCESS'}`}>{b.counts.failed ? 'finished with failures' : 'finished'}</span>}</div>
            <BatchBar batch={b} />
          </a>
        ))}
      </div>
    </section>
  );
}
