import { useState } from 'react';
import { Notice } from '../Notice.js';
import type { PriorityStep, QueuedMessageView } from '../../api/contract.js';
import { useCall, useEvery } from '../../api/use-call.js';
import { useConnection } from '../../api/use-connection.js';
import { HeldPanel } from './HeldPanel.js';
import { MessageTable } from './MessageTable.js';
import { MessageView } from './MessageView.js';
import { PendingAction, type Pending } from './PendingAction.js';
import { PriorityTabs } from './PriorityTabs.js';
import { messages, READ_ONLY_QUEUES } from './message-words.js';

const PAGE = 50;

/**
 * One queue's waiting messages, page by page, by priority sub-list, decoded (Python's like any
 * other); a message viewed whole, deleted, moved or run now; a selection or a search (`name:x`)
 * deleted or moved at once, each asking first. What the workers hold of it, below.
 */
export function QueueBrowser({ queue }: { queue: string }) {
  // Another queue opened from this one starts afresh: no step, search or selection carried over.
  return <Browser key={queue} queue={queue} />;
}

function Browser({ queue }: { queue: string }) {
  const [step, setStep] = useState<PriorityStep | null>(null);
  const [offset, setOffset] = useState(0);
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<Map<string, QueuedMessageView>>(new Map());
  const [viewing, setViewing] = useState<QueuedMessageView | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const locked = useConnection().status?.readOnly === true ? READ_ONLY_QUEUES : null;
  const input = { queue, offset, limit: PAGE, ...(step === null ? {} : { priority: step }), ...(search ? { search } : {}) };
  const { data, error, reload } = useCall('queues:browse', input, [queue, offset, step, search]);
  // A search reads up to 10,000 messages each time: kept live, it would do so every few seconds.
  useEvery(reload, search ? 30_000 : 3000);

  const narrow = (change: () => void): void => {
    change();
    setOffset(0);
    setSelected(new Map());
  };
  const select = (keys: string[], on: boolean): void => {
    const next = new Map(selected);
    for (const key of keys) {
      const m = data?.messages.find((x) => x.key === key);
      if (on && m) next.set(key, m);
      else next.delete(key);
    }
    setSelected(next);
  };
  const done = (said: string): void => {
    setNotice(said);
    setSelected(new Map());
    reload();
  };
  const scanNote = data?.scan && data.scan.scanned < data.scan.of ? ` among the first ${data.scan.scanned.toLocaleString()} of ${data.scan.of.toLocaleString()} read` : '';
  return (
    <section>
      <header className="view-header">
        <h2><a href="#/queues">Queues</a> / <span className="mono">{queue}</span></h2>
        <form className="filters" onSubmit={(e) => (e.preventDefault(), narrow(() => setSearch(typed.trim())))}>
          <input aria-label="search" placeholder="name:tasks.add  id:…  -name:x  words in args" value={typed} onChange={(e) => setTyped(e.target.value)} />
          <button type="submit">Search</button>
          {search && <button type="button" onClick={() => narrow(() => (setTyped(''), setSearch('')))}>Clear</button>}
          <button type="button" onClick={reload}>Refresh</button>
        </form>
      </header>
      {notice && <Notice onDismiss={() => setNotice(null)}><span data-testid="queue-notice">{notice}</span></Notice>}
      {locked && <p className="small muted" data-testid="queue-read-only">{locked}</p>}
      {error && <p className="error">{error}</p>}
      {!data && !error && <p className="muted">Reading {queue}…</p>}
      {data && (
        <>
          <div className="toolbar browser-bar">
            <PriorityTabs total={data.total} steps={data.steps} current={step} onChoose={(s) => narrow(() => setStep(s))} />
            <span className="muted" data-testid="matching">
              {search ? `${messages(data.matching)} match${data.matching === 1 ? 'es' : ''}${scanNote}` : messages(data.matching)}
            </span>
            <span className="spacer" />
            {selected.size > 0 ? (
              <>
                <span className="muted">{selected.size} selected</span>
                <button disabled={locked !== null} title={locked ?? ''} onClick={() => setPending({ kind: 'moveAll', selected: [...selected.values()] })}>Move selected</button>
                <button className="danger" disabled={locked !== null} title={locked ?? ''} onClick={() => setPending({ kind: 'deleteAll', selected: [...selected.values()] })}>Delete selected</button>
                <button className="link" onClick={() => setSelected(new Map())}>clear</button>
              </>
            ) : search && data.matching > 0 ? (
              <>
                <button disabled={locked !== null} title={locked ?? ''} onClick={() => setPending({ kind: 'moveAll', search, priority: step, matching: data.matching, scanNote })}>Move all matching</button>
                <button className="danger" disabled={locked !== null} title={locked ?? ''} onClick={() => setPending({ kind: 'deleteAll', search, priority: step, matching: data.matching, scanNote })}>Delete all matching</button>
              </>
            ) : null}
          </div>
          {data.messages.length === 0 ? (
            <p className="empty">{search ? `Nothing waiting in ${queue} matches ${search}.` : `Nothing waits in ${queue}${step === null ? '' : ` at priority sub-list ${step}`}.`}</p>
          ) : (
            <MessageTable shown={data.messages} selected={new Set(selected.keys())} onSelect={select} actions={{
              locked,
              view: setViewing,
              remove: (m) => setPending({ kind: 'delete', one: m }),
              move: (m) => setPending({ kind: 'move', one: m }),
              runNow: (m) => setPending({ kind: 'runNow', one: m }),
            }} />
          )}
          {data.matching > PAGE && (
            <div className="toolbar pager">
              <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
              <span className="muted">{offset + 1}–{Math.min(offset + PAGE, data.matching)} of {data.matching.toLocaleString()}</span>
              <button disabled={offset + PAGE >= data.matching} onClick={() => setOffset(offset + PAGE)}>Next</button>
            </div>
          )}
        </>
      )}
      <HeldPanel queue={queue} />
      {viewing && <MessageView queue={queue} shown={viewing} onClose={() => setViewing(null)} />}
      {pending && <PendingAction queue={queue} pending={pending} onDone={done} onClose={() => setPending(null)} />}
    </section>
  );
}
