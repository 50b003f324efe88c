import { useVirtualizer } from '@tanstack/react-virtual';
import { Notice } from '../Notice.js';
import { useEffect, useRef, useState } from 'react';
import { call, isDesktop, on } from '../../api/client.js';
import { exportUrl } from '../../api/drop.js';
import type { HistoryTask } from '../../api/contract.js';
import { MATCHING_LIMIT } from '../../api/contract.js';

import { outcomeOf, queryOf } from './task-row.js';
import { When } from '../../format/When.js';
import { duration } from '../../format/units.js';
import { cutText, LIST_CHARS, SHOWN_CHARS } from '../../format/cut-text.js';

const PAGE = 200;
type Sort = 'seen' | 'started' | 'runtime';
const EXAMPLE = 'state:FAILURE name:tasks.* exception:KeyError after:1h words';

/**
 * Every task the control room knows of (its history: Python's too, kept across restarts),
 * searched with the query language (`state:FAILURE name:tasks.resize after:1h words`). The
 * list scrolls through every match, a page of rows read from SQLite as it comes into view;
 * events patch the rows on view; selected rows, or every match, are retried or revoked.
 */
export function Tasks({ onOpen }: { onOpen: (id: string) => void }) {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const [query, setQuery] = useState(queryOf(params));
  const [sort, setSort] = useState<Sort>((params.get('sort') as Sort) || 'seen');
  const [total, setTotal] = useState(0);
  const [all, setAll] = useState(0);
  const [pages, setPages] = useState<Map<number, HistoryTask[]>>(new Map());
  /** States pushed by events since their page was read: shown at once, before the reload. */
  const [patched, setPatched] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  /** "Select all matching": the actions apply to the query, not to rows. */
  const [allMatching, setAllMatching] = useState(false);
  const [terminate, setTerminate] = useState(false);
  const [moved, setMoved] = useState(0);
  const search = useRef<HTMLInputElement>(null);
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
        setAll(r.all);
        setPages((p) => new Map(p).set(page, r.tasks));
        setPatched((p) => {
          if (p.size === 0) return p;
          const next = new Map(p);
          for (const t of r.tasks) next.delete(t.id);
          return next;
        });
        setError(null);
      },
      (e: Error) => {
        loading.current.delete(page);
        if (mine !== generation.current) return;
        setError(e.message);
        // A search the parser refused matches nothing: no rows stay, nothing is there to act on.
        if (e.message.startsWith('search:')) {
          setTotal(0);
          setPages(new Map());
          setSelected(new Set());
          setAllMatching(false);
        }
      },
    );
  };

  // A new query or sort starts over (after a pause in typing). Events patch the states of the
  // rows on view at once; the pages on view are read again at most twice a second.
  useEffect(() => {
    const q = new URLSearchParams();
    if (query) q.set('q', query);
    if (sort !== 'seen') q.set('sort', sort);
    history.replaceState(null, '', `#/tasks${q.size ? `?${q}` : ''}`);
    generation.current++;
    loading.current.clear();
    setPages(new Map());
    setPatched(new Map());
    setSelected(new Set());
    setAllMatching(false);
    setError(null);
    const timer = window.setTimeout(() => load(0), 150);
    let again: number | undefined;
    const stop = on('tasks:changed', (changed) => {
      setPatched((p) => {
        const next = new Map(p);
        for (const c of changed) next.set(c.id, c.state);
        return next;
      });
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

  const toggle = (id: string): void => {
    setAllMatching(false);
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  };
  const count = allMatching ? Math.min(total, MATCHING_LIMIT) : selected.size;
  /** Desktop: the filter saved through the app's save dialog (the browser downloads a link instead). */
  const saveExport = async (format: 'csv' | 'jsonl'): Promise<void> => {
    try {
      const r = await call('tasks:exportFile', { query, format });
      if (r.path) setNotice(`Saved ${total.toLocaleString()} task${total === 1 ? '' : 's'} to ${r.path}.`);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const act = async (action: 'retry' | 'revoke'): Promise<void> => {
    try {
      if (action === 'retry') {
        const r = allMatching ? await call('tasks:retryMatching', { query }) : await call('tasks:retry', { ids: [...selected] });
        setNotice(`Sent ${r.retried.length} again.${r.errors.length ? ` ${r.errors.length} could not be: ${r.errors[0]!.message}` : ''}`);
      } else {
        if (!confirm(`Revoke ${count.toLocaleString()} task${count === 1 ? '' : 's'}${terminate ? ', stopping those running' : ''}?`)) return;
        const r = allMatching ? await call('tasks:revokeMatching', { query, terminate }) : await call('tasks:revoke', { ids: [...selected], terminate });
        setNotice(`Revoked ${r.revoked.length}.`);
      }
      setSelected(new Set());
      setAllMatching(false);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section>
      <header className="view-header">
        <h2>Tasks <span className="muted" data-testid="task-count">{total.toLocaleString()} of {all.toLocaleString()}</span></h2>
        <div className="filters">
          <input ref={search} aria-label="search" className="wide" placeholder={`${EXAMPLE}  ( / )`} value={query} onChange={(e) => setQuery(e.target.value)} />
          <select aria-label="sort" value={sort} onChange={(e) => setSort(e.target.value as Sort)}>
            <option value="seen">newest first</option>
            <option value="started">by start</option>
            <option value="runtime">longest first</option>
          </select>
          {total > 0 && (isDesktop ? (
            <span className="small">
              export <button className="link" onClick={() => void saveExport('csv')}>CSV</button> · <button className="link" onClick={() => void saveExport('jsonl')}>JSONL</button>
            </span>
          ) : (
            <span className="small">
              export <a href={exportUrl(query, 'csv')} download>CSV</a> · <a href={exportUrl(query, 'jsonl')} download>JSONL</a>
            </span>
          ))}
        </div>
      </header>
      {total > 0 && (
        <div className="toolbar">
          <label>
            <input type="checkbox" aria-label="select all matching" checked={allMatching} onChange={(e) => { setAllMatching(e.target.checked); setSelected(new Set()); }} />
            {' '}select all {total.toLocaleString()} matching{total > MATCHING_LIMIT ? ` (the newest ${MATCHING_LIMIT.toLocaleString()} are acted on)` : ''}
          </label>
          {count > 0 && (
            <>
              <button onClick={() => void act('retry')}>Retry {count.toLocaleString()}{allMatching ? ' matching' : ' selected'}</button>
              <button className="danger" onClick={() => void act('revoke')}>Revoke {count.toLocaleString()}</button>
              <label><input type="checkbox" checked={terminate} onChange={(e) => setTerminate(e.target.checked)} /> terminate if running</label>
            </>
          )}
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {notice && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}
      {total === 0 && !error ? (
        <p className="empty">{query ? 'No task matches.' : 'No tasks yet: send one from the Send tab, or from any Celery producer. Tasks appear as workers run them, Python’s included.'}</p>
      ) : total === 0 ? null : (
        <div className="list tasks" ref={scroller} role="table" aria-label="tasks">
          <div className="list-head" role="row"><span /><span>Seen</span><span>State</span><span>Task</span><span>Arguments</span><span>Worker</span><span>Runtime</span><span>Result / exception</span></div>
          <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
            {visible.map((v) => {
              const t = pages.get(Math.floor(v.index / PAGE))?.[v.index % PAGE];
              const state = t ? (patched.get(t.id) ?? t.state) : '';
              const outcome = t ? outcomeOf(t, state) : null;
              return (
                <div key={v.key} role="row" className="list-row" data-task={t?.id} data-state={state || undefined} onClick={() => t && onOpen(t.id)}
                  style={{ position: 'absolute', top: 0, transform: `translateY(${v.start}px)`, height: v.size, width: '100%' }}>
                  {t ? (
                    <>
                      <span onClick={(e) => e.stopPropagation()}>
                        <input type="checkbox" aria-label={`select ${t.id}`} checked={allMatching || selected.has(t.id)} onChange={() => toggle(t.id)} />
                      </span>
                      <span className="ellipsis"><When ms={t.seen_at * 1000} relative /></span>
                      <span>
                        <span className={`badge ${state}`}>{state}</span>
                        {state === 'PROGRESS' && t.progress_total ? (
                          <progress className="bar" value={t.progress_current ?? 0} max={t.progress_total} title={`${t.progress_current ?? 0} / ${t.progress_total}`} />
                        ) : null}
                      </span>
                      <span className="mono ellipsis">{t.name ?? ''}</span>
                      <span className="mono ellipsis">{cutText(t.args ?? '', LIST_CHARS).shown}</span>
                      <span className="mono ellipsis">{t.worker ?? ''}</span>
                      <span className="num">{duration(t.runtime)}</span>
                      <span className={`mono ellipsis ${outcome?.failed ? 'error-text' : ''}`} title={cutText(outcome?.text ?? '', SHOWN_CHARS).shown}>{cutText(outcome?.text ?? '', LIST_CHARS).shown}</span>
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
