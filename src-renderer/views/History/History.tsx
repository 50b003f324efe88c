import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { call, on } from '../../api/client.js';
import type { HistoryTask } from '../../../src-main/service/contract.js';

const PAGE = 200;
type Sort = 'seen' | 'started' | 'runtime';

const when = (s: number | null): string => (s ? new Date(s * 1000).toLocaleString() : '');

/**
 * The control room's history (every task it heard of, Python's too, kept across restarts),
 * searched with the query language: `state:FAILURE name:tasks.resize after:1h words`. The
 * list scrolls through every match, a page of rows read from SQLite as it comes into view.
 */
export function History({ onOpen }: { onOpen: (id: string) => void }) {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const [query, setQuery] = useState(params.get('q') ?? '');
  const [sort, setSort] = useState<Sort>((params.get('sort') as Sort) || 'seen');
  const [total, setTotal] = useState(0);
  const [pages, setPages] = useState<Map<number, HistoryTask[]>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [moved, setMoved] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  /** Which query the answers belong to: a late answer to an older one is dropped. */
  const generation = useRef(0);
  const loading = useRef(new Set<number>());

  const load = (page: number): void => {
    if (loading.current.has(page)) return;
    loading.current.add(page);
    const mine = generation.current;
    call('tasks:search', { query, sort, offset: page * PAGE, limit: PAGE }).then(
      (r) => {
        loading.current.delete(page);
        if (mine !== generation.current) return;
        setTotal(r.total);
        setPages((p) => new Map(p).set(page, r.tasks));
        setError(null);
      },
      (e: Error) => {
        loading.current.delete(page);
        if (mine === generation.current) setError(e.message);
      },
    );
  };

  // A new query or sort starts over (after a pause in typing); the history moving reloads
  // what is on screen, at most twice a second.
  useEffect(() => {
    const q = new URLSearchParams();
    if (query) q.set('q', query);
    if (sort !== 'seen') q.set('sort', sort);
    history.replaceState(null, '', `#/history${q.size ? `?${q}` : ''}`);
    generation.current++;
    loading.current.clear();
    setPages(new Map());
    setError(null);
    const timer = window.setTimeout(() => load(0), 150);
    let again: number | undefined;
    const stop = on('tasks:changed', () => {
      again ??= window.setTimeout(() => {
        again = undefined;
        setMoved((n) => n + 1);
      }, 500);
    });
    return () => {
      window.clearTimeout(timer);
      window.clearTimeout(again);
      stop();
    };
  }, [query, sort]);

  const rows = useVirtualizer({ count: total, getScrollElement: () => scroller.current, estimateSize: () => 36, overscan: 20 });
  const visible = rows.getVirtualItems();
  const onScreen = [...new Set(visible.map((v) => Math.floor(v.index / PAGE)))];
  // Pages scrolled into view are read once.
  useEffect(() => {
    for (const page of onScreen) if (!pages.has(page)) load(page);
  }, [onScreen.join(','), total]);
  // The history moved: the pages on view are read again.
  useEffect(() => {
    if (moved > 0) for (const page of onScreen.length ? onScreen : [0]) load(page);
  }, [moved]);

  return (
    <section>
      <header className="view-header">
        <h2>History <span className="muted" data-testid="history-count">({total.toLocaleString()} matching)</span></h2>
        <div className="filters">
          <input aria-label="history search" className="wide" placeholder="state:FAILURE name:tasks.* exception:KeyError after:1h words" value={query} onChange={(e) => setQuery(e.target.value)} />
          <select aria-label="sort" value={sort} onChange={(e) => setSort(e.target.value as Sort)}>
            <option value="seen">newest first</option>
            <option value="started">by start</option>
            <option value="runtime">longest first</option>
          </select>
        </div>
      </header>
      {error && <p className="error" role="alert">{error}</p>}
      {total === 0 && !error ? (
        <p className="empty">{query ? 'No task matches.' : 'Nothing in the history yet: tasks appear here as workers run them, Python’s included.'}</p>
      ) : (
        <div className="list history" ref={scroller} role="table" aria-label="history">
          <div className="list-head" role="row"><span>Seen</span><span>State</span><span>Task</span><span>Arguments</span><span>Worker</span><span>Runtime</span><span>Result / exception</span></div>
          <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
            {visible.map((v) => {
              const t = pages.get(Math.floor(v.index / PAGE))?.[v.index % PAGE];
              return (
                <div key={v.key} role="row" className="list-row" data-task={t?.id} data-state={t?.state} onClick={() => t && onOpen(t.id)}
                  style={{ position: 'absolute', top: 0, transform: `translateY(${v.start}px)`, height: v.size, width: '100%' }}>
                  {t ? (
                    <>
                      <span>{when(t.seen_at)}</span>
                      <span><span className={`badge ${t.state}`}>{t.state}</span></span>
                      <span className="mono">{t.name}</span>
                      <span className="mono ellipsis">{t.args}</span>
                      <span className="mono ellipsis">{t.worker ?? ''}</span>
                      <span className="num">{t.runtime !== null ? `${(t.runtime * 1000).toFixed(1)} ms` : ''}</span>
                      <span className={`mono ellipsis ${t.exception ? 'error-text' : ''}`} title={t.exception ?? t.result ?? ''}>{t.exception ?? t.result ?? ''}</span>
                    </>
                  ) : (
                    <span className="muted">…</span>
                  )}
                </div>
              );
            })}
          </div>
        </div>
      )}
    </section>
  );
}
