import { useEffect, useMemo, useState } from 'react';
import { call } from '../../api/client.js';
import { uploadEntries, type DroppedEntry } from '../../api/drop.js';
import { useCall } from '../../api/use-call.js';
import type { DeclaredTask, PlannedItem, TaskParam } from '../../api/contract.js';
import { fieldValue, initialValue, ParamField } from '../Submit/ParamField.js';
import { byName, suggestTask } from './suggest-task.js';
import { unrunWarning } from '../Submit/task-note.js';

/** What was dropped: files (one task each), or the rows of a CSV/JSONL file. */
export type PendingDrop =
  | { kind: 'files'; entries: DroppedEntry[] }
  | { kind: 'rows'; source: string; columns: string[]; rows: Array<Record<string, unknown>> };

const FIXED = '';

/**
 * The batch dialog: which task, which files (by extension), the other parameters once for
 * all, where outputs go and how they are named, a preview of the first items, and Start.
 */
export function BatchDialog({ drop, onClose, onStarted }: { drop: PendingDrop; onClose: () => void; onStarted: (id: string) => void }) {
  const declared = useCall('tasks:declared', {});
  const known = useCall('tasks:known', {});
  /** A candidate no live worker runs (a built-in with no hosted pool): marked, and warned of when chosen. */
  const unrun = (name: string): boolean => Boolean(known.data) && !known.data!.tasks.some((t) => t.name === name && t.workers.length > 0);
  const candidates = useMemo(
    () => (declared.data ?? []).filter((t) => (drop.kind === 'rows' ? t.params.length > 0 : t.params.some((p) => p.type === 'file'))),
    [declared.data, drop.kind],
  );
  const [taskName, setTaskName] = useState('');
  // Items in name order, whatever order the drop listed them in.
  const entries = useMemo(() => (drop.kind === 'files' ? [...drop.entries].sort(byName) : []), [drop]);
  const suggested = useMemo(() => (drop.kind === 'files' ? suggestTask(candidates, entries.map((e) => e.ext)) : candidates[0]), [candidates, entries, drop.kind]);
  const task: DeclaredTask | undefined = candidates.find((t) => t.name === taskName) ?? suggested;
  const fileParam = task?.params.find((p) => p.type === 'file');
  const outputs = task?.params.filter((p) => p.type === 'output') ?? [];

  // Files: which extensions to take.
  const extensions = useMemo(() => {
    const counts = new Map<string, number>();
    for (const e of entries) counts.set(e.ext, (counts.get(e.ext) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1]);
  }, [entries]);
  const [excluded, setExcluded] = useState<Set<string>>(new Set());
  const chosen = entries.filter((e) => !excluded.has(e.ext));

  // The other parameters (rows: a column, or one value for all).
  const others = (task?.params ?? []).filter((p) => (drop.kind === 'files' ? p !== fileParam && p.type !== 'output' : true));
  const [fields, setFields] = useState<Record<string, string>>({});
  const [mapping, setMapping] = useState<Record<string, string>>({});
  useEffect(() => {
    if (!task) return;
    setFields(Object.fromEntries(task.params.map((p) => [p.name, initialValue(p)])));
    if (drop.kind === 'rows') setMapping(Object.fromEntries(task.params.map((p) => [p.name, drop.columns.includes(p.name) ? p.name : FIXED])));
  }, [task, drop]);
  const [outputDir, setOutputDir] = useState('');
  const [pattern, setPattern] = useState('{name}-out.{ext}');

  const [preview, setPreview] = useState<{ items: PlannedItem[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [upload, setUpload] = useState<{ done: number; total: number } | null>(null);
  const [starting, setStarting] = useState(false);

  /** The batch as the contract takes it, with files given (paths, or names before upload). */
  const request = (files?: string[]) => {
    if (!task) throw new Error('no task takes files here: start a pool with one (Send view) or drop a CSV');
    const values: Record<string, unknown> = {};
    for (const p of others) {
      if (drop.kind === 'rows' && mapping[p.name]) continue; // from the column
      if (p.type === 'output' && drop.kind === 'rows') continue;
      const text = fields[p.name] ?? '';
      if (text === '' && p.default === undefined && p.type !== 'string') continue;
      values[p.name] = fieldValue(p, text);
    }
    const rows = drop.kind === 'rows'
      ? drop.rows.map((r) => Object.fromEntries(Object.entries(mapping).filter(([, col]) => col).map(([param, col]) => [param, r[col]])))
      : undefined;
    return { task: task.name, files, rows: rows as Array<Record<string, never>> | undefined, values: values as Record<string, never>, outputDir: outputDir || undefined, pattern: outputs.length ? pattern : undefined };
  };

  // The preview: the first items, planned by the back end exactly as Start will send them.
  useEffect(() => {
    if (!task) return;
    const timer = setTimeout(() => {
      try {
        const files = drop.kind === 'files' ? chosen.slice(0, 5).map((e) => e.path ?? e.rel) : undefined;
        if (drop.kind === 'files' && files!.length === 0) throw new Error('no files left: tick at least one extension');
        call('batches:preview', request(files)).then(
          (p) => {
            setPreview({ items: p.items, total: drop.kind === 'files' ? chosen.length : p.total });
            setError(null);
          },
          (e: Error) => setError(e.message),
        );
      } catch (e) {
        setError((e as Error).message);
      }
    }, 150);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [task, fields, mapping, outputDir, pattern, excluded]);

  const start = async (): Promise<void> => {
    setStarting(true);
    setError(null);
    try {
      let files: string[] | undefined;
      if (drop.kind === 'files') {
        const uploaded = chosen.some((e) => !e.path) ? await uploadEntries(chosen, (done, total) => setUpload({ done, total })) : chosen;
        files = uploaded.map((e) => e.path!);
      }
      const batch = await call('batches:create', request(files));
      onStarted(batch.id);
    } catch (e) {
      setError((e as Error).message);
      setStarting(false);
    }
  };

  const paramLabel = (p: TaskParam): string => p.name;
  return (
    <div className="modal-backdrop" role="presentation">
      <form className="form modal" aria-label="batch" onSubmit={(e) => { e.preventDefault(); void start(); }}>
        <h3>{drop.kind === 'files' ? `${chosen.length} file${chosen.length === 1 ? '' : 's'}` : `${drop.rows.length} rows from ${drop.source}`} → one task each</h3>
        {declared.data && candidates.length === 0 && <p className="error">No task here takes {drop.kind === 'files' ? 'a file' : 'parameters'}. The hosted pool's tasks are listed in Send.</p>}
        <label>Task
          <select aria-label="task" value={task?.name ?? ''} onChange={(e) => setTaskName(e.target.value)}>
            {candidates.map((t) => <option key={t.name} value={t.name}>{t.name}{unrun(t.name) ? ' — no worker runs it' : ''}</option>)}
          </select>
          {task && unrun(task.name) && <span className="hint" data-testid="batch-task-warning">{unrunWarning(task.name, known.data)}</span>}
        </label>
        {drop.kind === 'files' && extensions.length > 1 && (
          <fieldset className="exts" aria-label="extensions">
            <legend>File types</legend>
            {extensions.map(([ext, n]) => (
              <label key={ext} className="check">
                <input type="checkbox" checked={!excluded.has(ext)} onChange={(e) => setExcluded((s) => { const next = new Set(s); if (e.target.checked) next.delete(ext); else next.add(ext); return next; })} />
                .{ext || '(none)'} <span className="muted">{n}</span>
              </label>
            ))}
          </fieldset>
        )}
        {others.map((p) => drop.kind === 'rows' ? (
          <label key={p.name}>{paramLabel(p)}
            <select aria-label={`column for ${p.name}`} value={mapping[p.name] ?? FIXED} onChange={(e) => setMapping((m) => ({ ...m, [p.name]: e.target.value }))}>
              <option value={FIXED}>one value for all rows</option>
              {drop.columns.map((c) => <option key={c} value={c}>column “{c}”</option>)}
            </select>
            {!mapping[p.name] && <ParamField param={p} value={fields[p.name] ?? ''} onChange={(v) => setFields((f) => ({ ...f, [p.name]: v }))} />}
          </label>
        ) : (
          <ParamField key={p.name} param={p} value={fields[p.name] ?? ''} onChange={(v) => setFields((f) => ({ ...f, [p.name]: v }))} />
        ))}
        {outputs.length > 0 && (
          <div className="row two">
            <label>Output folder <span className="help">empty: next to each input</span>
              <input aria-label="output folder" className="mono" value={outputDir} onChange={(e) => setOutputDir(e.target.value)} placeholder="/path/to/out" />
            </label>
            <label>Name pattern <span className="help">{'{name} {ext} {index} {file}'}</span>
              <input aria-label="name pattern" className="mono" value={pattern} onChange={(e) => setPattern(e.target.value)} />
            </label>
          </div>
        )}
        {preview && !error && (
          <table className="table preview" aria-label="preview">
            <thead><tr><th>Input</th>{outputs.length > 0 && <th>Output</th>}<th>Arguments</th></tr></thead>
            <tbody>
              {preview.items.map((it, i) => (
                <tr key={i}><td className="mono ellipsis">{it.input}</td>{outputs.length > 0 && <td className="mono ellipsis">{it.output}</td>}<td className="mono ellipsis">{JSON.stringify(it.args)}</td></tr>
              ))}
              {preview.total > preview.items.length && <tr><td colSpan={3} className="muted">…and {preview.total - preview.items.length} more</td></tr>}
            </tbody>
          </table>
        )}
        {upload && <p>Uploading {upload.done} / {upload.total} <progress className="bar wide" value={upload.done} max={upload.total} /></p>}
        {error && <p className="error" data-testid="batch-error">{error}</p>}
        <div className="toolbar">
          <button type="submit" className="primary" disabled={!task || starting || Boolean(error) || (drop.kind === 'files' && chosen.length === 0)}>
            {starting ? 'Starting…' : `Start ${drop.kind === 'files' ? chosen.length : drop.rows.length} tasks`}
          </button>
          <button type="button" onClick={onClose} disabled={starting}>Cancel</button>
        </div>
      </form>
    </div>
  );
}
