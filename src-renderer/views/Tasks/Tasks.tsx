import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { call, on } from '../../api/client.js';
import type { ListedTask } from '../../../src-main/service/contract.js';

const STATES = ['', 'PENDING', 'STARTED', 'PROGRESS', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED'];

/** The task list: filters kept in the URL so views can be bookmarked; live; virtualised. */
export function Tasks({ onOpen }: { onOpen: (id: string) => void }) {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const [state, setState] = useState(params.get('state') ?? '');
  const [text, setText] = useState(params.get('q') ?? '');
  const [name, setName] = useState(params.get('name') ?? '');
  const [queue, setQueue] = useState(params.get('queue') ?? '');
  const [worker, setWorker] = useState(params.get('worker') ?? '');
  const [tasks, setTasks] = useState<ListedTask[]>([]);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const toggle = (id: string): void =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const bulk = async (action: 'retry' | 'revoke'): Promise<void> => {
    const ids = [...selected];
    if (action === 'retry') {
      const r = await call('tasks:retry', { ids });
      setNotice(`Sent ${r.retried.length} again${r.errors.length ? `; ${r.errors.length} kept no message to send` : ''}.`);
    } else {
      await call('tasks:revoke', { ids });
      setNotice(`Revoked ${ids.length}.`);
    }
    setSelected(new Set());
  };
  const search = useRef<HTMLInputElement>(null);
  const scroller = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const query = new URLSearchParams();
    if (state) query.set('state', state);
    if (text) query.set('q', text);
    if (name) query.set('name', name);
    if (queue) query.set('queue', queue);
    if (worker) query.set('worker', worker);
    history.replaceState(null, '', `#/tasks${query.size ? `?${query}` : ''}`);
    let cancelled = false;
    const load = (): void => {
      call('tasks:list', { state: state || undefined, text: text || undefined, name: name || undefined, queue: queue || undefined, worker: worker || undefined, limit: 1000 }).then(
        (r) => !cancelled && (setTasks(r.tasks), setTotal(r.total), setError(null)),
        (e: Error) => !cancelled && setError(e.message),
      );
    };
    load();
    // Pushed, not polled: a change reloads the list on view, at most 4 times a second under load.
    let timer: number | undefined;
    const stop = on('tasks:changed', () => {
      timer ??= window.setTimeout(() => {
        timer = undefined;
        load();
      }, 250);
    });
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
      stop();
    };
  }, [state, text, name, queue, worker]);

  // `/` focuses the search, as in most list UIs.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === '/' && document.activeElement?.tagName !== 'INPUT' && document.activeElement?.tagName !== 'TEXTAREA') {
        e.preventDefault();
        search.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const rows = useVirtualizer({ count: tasks.length, getScrollElement: () => scroller.current, estimateSize: () => 36, overscan: 10 });

  return (
    <section>
      <header className="view-header">
        <h2>Tasks <span className="muted">({total.toLocaleString()})</span></h2>
        <div className="filters">
          <select aria-label="state" value={state} onChange={(e) => setState(e.target.value)}>
            {STATES.map((s) => <option key={s} value={s}>{s || 'every state'}</option>)}
          </select>
          <input aria-label="task name" placeholder="task name" value={name} onChange={(e) => setName(e.target.value)} className="narrow" />
          <input aria-label="queue" placeholder="queue" value={queue} onChange={(e) => setQueue(e.target.value)} className="narrow" />
          <input aria-label="worker" placeholder="worker" value={worker} onChange={(e) => setWorker(e.target.value)} className="narrow" />
          <input ref={search} aria-label="search" placeholder="Search id, arguments, error  ( / )" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
      </header>
      {(selected.size > 0 || (state === 'FAILURE' && total > 0)) && (
        <div className="toolbar">
          {selected.size > 0 && (
            <>
              <button onClick={() => void bulk('retry')}>Retry {selected.size} selected</button>
              <button className="danger" onClick={() => void bulk('revoke')}>Revoke {selected.size}</button>
            </>
          )}
          {state === 'FAILURE' && total > 0 && (
            <button className="primary" onClick={() => void call('tasks:retryFailed', { name: name || undefined }).then((r) => setNotice(`Sent ${r.retried.length} failed task${r.retried.length === 1 ? '' : 's'} again.`))}>
              Retry all failed
            </button>
          )}
        </div>
      )}
      {error && <p className="error">{error}</p>}
      {notice && <p className="notice">{notice}</p>}
      {tasks.length === 0 && !error ? (
        <p className="empty">No tasks {state || text || name || queue || worker ? 'match these filters' : 'yet: send one from the Send tab, or from any Celery producer'}.</p>
      ) : (
        <div className="list" ref={scroller} role="table" aria-label="tasks">
          <div className="list-head" role="row"><span /><span>State</span><span>Task</span><span>Arguments</span><span>Queue</span><span>Worker</span><span>Seen</span></div>
          <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
            {rows.getVirtualItems().map((v) => {
              const t = tasks[v.index]!;
              return (
                <div key={t.id} role="row" className="list-row" data-task={t.id} data-state={t.state} onClick={() => onOpen(t.id)}
                  style={{ position: 'absolute', top: 0, transform: `translateY(${v.start}px)`, height: v.size, width: '100%' }}>
                  <span onClick={(e) => e.stopPropagation()}>
                    <input type="checkbox" aria-label={`select ${t.id}`} checked={selected.has(t.id)} onChange={() => toggle(t.id)} />
                  </span>
                  <span>
                    <span className={`badge ${t.state}`}>{t.state}</span>
                    {t.progress && t.progress.total > 0 && t.state === 'PROGRESS' && (
                      <progress className="bar" value={t.progress.current} max={t.progress.total} title={`${t.progress.current} / ${t.progress.total}`} />
                    )}
                  </span>
                  <span className="mono">{t.name}</span>
                  <span className="mono ellipsis">{t.argsrepr}</span>
                  <span className="mono">{t.queue}</span>
                  <span className="mono ellipsis">{t.worker ?? ''}</span>
                  <span>{new Date(t.seen).toLocaleTimeString()}</span>
                </div>
              );
            })}
          </div>
        </div>
      )}
    </section>
  );
}
