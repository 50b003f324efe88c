import { useEffect, useState } from 'react';

/** `g` then a key goes to a view. */
export const GO_KEYS: Record<string, [string, string]> = {
  o: ['#/overview', 'Overview'], t: ['#/tasks', 'Tasks'], f: ['#/failures', 'Failures'], q: ['#/queues', 'Queues'],
  w: ['#/workers', 'Workers'], s: ['#/schedules', 'Schedules'], b: ['#/batches', 'Batches'], d: ['#/dead', 'Dead letters'], c: ['#/connections', 'Connections'],
};

/** Keys typed into a field are the field's. */
const typing = (e: KeyboardEvent): boolean => {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
};

/**
 * The keyboard: `?` lists the shortcuts, `g` + a letter goes to a view, Ctrl/Cmd+K opens
 * Connections (in the browser too), Esc closes this list.
 */
export function Shortcuts() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    let pendingG = 0;
    const onKey = (e: KeyboardEvent): void => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        location.hash = '#/connections';
        return;
      }
      if (e.key === 'Escape') return setOpen(false);
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '?') return setOpen((o) => !o);
      if (e.key === 'g') {
        pendingG = Date.now();
        return;
      }
      const go = GO_KEYS[e.key];
      if (go && Date.now() - pendingG < 1500) {
        pendingG = 0;
        location.hash = go[0];
        setOpen(false);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  if (!open) return null;
  return (
    <div className="modal-backdrop" role="presentation" onClick={() => setOpen(false)}>
      <div className="form modal" role="dialog" aria-label="keyboard shortcuts" onClick={(e) => e.stopPropagation()}>
        <h3>Keyboard shortcuts</h3>
        <table className="table">
          <tbody>
            <tr><td className="mono">?</td><td>this list</td></tr>
            <tr><td className="mono">/</td><td>search (Tasks)</td></tr>
            {Object.entries(GO_KEYS).map(([k, [, label]]) => <tr key={k}><td className="mono">g {k}</td><td>go to {label}</td></tr>)}
            <tr><td className="mono">Ctrl/⌘ K</td><td>Connections</td></tr>
            <tr><td className="mono">Esc</td><td>close</td></tr>
          </tbody>
        </table>
      </div>
    </div>
  );
}
