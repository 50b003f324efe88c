import { useCallback, useEffect, useRef, useState } from 'react';
import { Notice } from '../Notice.js';
import { When } from '../../format/When.js';
import { call, on } from '../../api/client.js';
import { downloadUrl, replaceStaged } from '../../api/drop.js';
import type { BatchItemView, BatchSummary, ItemBucket, Settings } from '../../api/contract.js';
import { BatchBar } from './BatchBar.js';

const BUCKETS: Array<[ItemBucket | undefined, string]> = [[undefined, 'All'], ['failed', 'Failed'], ['running', 'Running'], ['waiting', 'Waiting'], ['succeeded', 'Done'], ['revoked', 'Cancelled']];
const PAGE = 200;

/** The last part of a path (the whole path is in the cell's tooltip). */
const baseName = (path: string): string => path.split(/[\\/]/).pop() || path;

/** One batch: its bar, its items (by state), retry the failed ones, cancel the rest. */
export function BatchDetail({ id, onOpenTask }: { id: string; onOpenTask: (taskId: string) => void }) {
  const [bucket, setBucket] = useState<ItemBucket | undefined>(undefined);
  const [page, setPage] = useState(0);
  const [data, setData] = useState<{ batch: BatchSummary; total: number; items: BatchItemView[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);

  const load = useCallback(() => {
    call('batches:get', { id, bucket, offset: page * PAGE, limit: PAGE }).then((d) => { setData(d); setError(null); }, (e: Error) => setError(e.message));
  }, [id, bucket, page]);
  useEffect(load, [load]);
  // Reload when this batch moves (the event is already throttled to a few a second).
  useEffect(() => on('batches:changed', (changed) => changed.some((b) => b.id === id) && load()), [id, load]);
  useEffect(() => void call('settings:get', {}).then(setSettings, () => undefined), []);

  const staging = settings?.host.stagingDir;
  const staged = (path: string | undefined): boolean => Boolean(staging && path && path.startsWith(`${staging}/`));
  const picker = useRef<HTMLInputElement>(null);
  /** The failed items' inputs that are staged uploads (the browser's drops), every page. */
  const failedStagedInputs = async (): Promise<string[]> => {
    const inputs: string[] = [];
    for (let offset = 0; ; offset += 1000) {
      const r = await call('batches:get', { id, bucket: 'failed', offset, limit: 1000 });
      inputs.push(...r.items.map((it) => it.input).filter((p) => staged(p)));
      if (offset + 1000 >= r.total) return inputs;
    }
  };
  const reuploadAndRetry = (files: File[]): void =>
    act(
      (async () => {
        const { replaced, unmatched } = await replaceStaged(await failedStagedInputs(), files);
        const r = await call('batches:retryFailed', { id });
        const rest = unmatched.length ? ` ${unmatched.length} had no file of the same name among those chosen: their staged copy is read again.` : '';
        return `Replaced ${replaced.length} staged file${replaced.length === 1 ? '' : 's'} and sent ${r.retried.length} failed item${r.retried.length === 1 ? '' : 's'} again.${rest}`;
      })(),
    );

  const act = (work: Promise<string>): void => {
    setNotice(null);
    work.then((text) => { setNotice(text); load(); }, (e: Error) => setError(e.message));
  };
  if (error && !data) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Loading the batch…</p>;
  const b = data.batch;
  return (
    <section>
      <header className="view-header">
        <h2><a href="#/batches">Batches</a> / {b.task} <span className="muted small">{b.total} items, <When ms={b.created} relative /></span></h2>
        <div className="toolbar">
          <button
            className="primary"
            disabled={b.counts.failed === 0}
            title={staging ? 'Sends the failed items again; they read the copies uploaded with the batch, not files fixed since' : undefined}
            onClick={() => act(call('batches:retryFailed', { id }).then((r) => `Sent ${r.retried.length} failed item${r.retried.length === 1 ? '' : 's'} again.${r.errors.length ? ` ${r.errors.length} could not be: ${r.errors[0]!.message}` : ''}`))}
          >
            Retry failed items{b.counts.failed ? ` (${b.counts.failed})` : ''}
          </button>
          {staging && (
            <>
              <button disabled={b.counts.failed === 0} onClick={() => picker.current?.click()} title="Choose the fixed files: each replaces the uploaded copy of the same name, then the failed items run again">
                Upload fixed files and retry
              </button>
              <input ref={picker} type="file" multiple hidden aria-label="fixed files" onChange={(e) => { const files = [...(e.target.files ?? [])]; e.target.value = ''; if (files.length) reuploadAndRetry(files); }} />
            </>
          )}
          <button className="danger" disabled={b.finished} onClick={() => confirm(`Cancel the ${b.counts.waiting + b.counts.running} items not finished yet?`) && act(call('batches:cancel', { id }).then((r) => `Cancelled ${r.revoked} items.`))}>Cancel the rest</button>
          {settings?.host.openFolders && <button onClick={() => act(call('batches:openFolder', { id }).then((r) => `Opened ${r.opened}.`))}>Open output folder</button>}
        </div>
      </header>
      <BatchBar batch={b} />
      {notice && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}
      {error && <p className="error">{error}</p>}
      <div className="segmented" role="group" aria-label="item state">
        {BUCKETS.map(([key, label]) => (
          <button key={label} className={bucket === key ? 'on' : ''} onClick={() => { setBucket(key); setPage(0); }}>{label}</button>
        ))}
      </div>
      <table className="table items" aria-label="batch items">
        <thead><tr><th className="num">#</th><th>State</th><th>Input</th><th>Output / error</th></tr></thead>
        <tbody>
          {data.items.map((it) => (
            <tr key={it.id} data-item={it.index} data-state={it.state} onClick={() => onOpenTask(it.id)} className="clickable">
              <td className="num">{it.index + 1}</td>
              <td>
                <span className={`badge ${it.state}`}>{it.state}</span>
                {it.progress && it.state === 'PROGRESS' && <progress className="bar" value={it.progress.current} max={it.progress.total} />}
              </td>
              <td className="mono ellipsis" title={it.input}>{baseName(it.input)}</td>
              <td className={`mono ellipsis ${it.error ? 'error-text' : ''}`} title={it.error ? `${it.error.type}: ${it.error.message}` : it.output}>
                {it.error ? it.error.message : it.output ? baseName(it.output) : it.result ?? ''}
                {!it.error && it.output && staged(it.output) && it.state === 'SUCCESS' && (
                  <> <a href={downloadUrl(it.output)} download onClick={(e) => e.stopPropagation()} data-testid="download">download</a></>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data.total > PAGE && (
        <div className="toolbar pager">
          <button disabled={page === 0} onClick={() => setPage(page - 1)}>Previous</button>
          <span className="muted">{page * PAGE + 1}–{Math.min(data.total, (page + 1) * PAGE)} of {data.total}</span>
          <button disabled={(page + 1) * PAGE >= data.total} onClick={() => setPage(page + 1)}>Next</button>
        </div>
      )}
    </section>
  );
}
