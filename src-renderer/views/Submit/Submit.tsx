import { useEffect, useState, type FormEvent } from 'react';
import { call, CallError } from '../../api/client.js';
import { useCall } from '../../api/use-call.js';
import { fieldValue, initialValue, ParamField } from './ParamField.js';
import { taskNote, unrunWarning } from './task-note.js';
import type { KnownTask } from '../../api/contract.js';

/**
 * Sends a task: a form built from the task's declared parameters, or JSON arguments for tasks
 * only a remote worker knows.
 */
export function Submit({ onSent }: { onSent: (id: string) => void }) {
  const declared = useCall('tasks:declared', {});
  // What the live workers run (Python's too), the names the history saw, the declared ones:
  // each marked with who runs it. The workers take a second to answer; the declared come first.
  const suggested = useCall('tasks:known', {});
  const known: KnownTask[] = suggested.data?.tasks ?? (declared.data ?? []).map((t) => ({ name: t.name, workers: [], declared: true, seen: false }));
  const [name, setName] = useState('');
  const task = declared.data?.find((t) => t.name === name);
  const params = task?.params ?? [];
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const [fields, setFields] = useState<Record<string, string>>({});
  useEffect(() => {
    setFields(Object.fromEntries(params.map((p) => [p.name, initialValue(p)])));
    if (task) setQueue(task.queue);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [task]);
  const useForm = params.length > 0 && mode === 'form';
  const [args, setArgs] = useState('[]');
  const [kwargs, setKwargs] = useState('{}');
  const [queue, setQueue] = useState('celery');
  const [priority, setPriority] = useState('');
  const [countdown, setCountdown] = useState('');
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    let parsedArgs: unknown;
    let parsedKwargs: unknown;
    try {
      parsedArgs = useForm ? params.map((p) => fieldValue(p, fields[p.name] ?? '')) : JSON.parse(args);
      parsedKwargs = useForm ? {} : JSON.parse(kwargs);
    } catch (err) {
      setError(useForm ? (err as Error).message : `Arguments must be JSON: ${(err as Error).message}`);
      return;
    }
    try {
      const { id } = await call('tasks:submit', {
        name,
        args: parsedArgs as never,
        kwargs: parsedKwargs as never,
        queue: queue || undefined,
        priority: priority === '' ? undefined : Number(priority),
        countdown: countdown === '' ? undefined : Number(countdown),
      });
      onSent(id);
    } catch (err) {
      setError(err instanceof CallError ? err.error.message : (err as Error).message);
    }
  };

  return (
    <section>
      <header className="view-header"><h2>Send a task</h2></header>
      <form className="form" onSubmit={(e) => void submit(e)}>
        <label>
          Task name
          <input name="name" required list="declared-tasks" value={name} onChange={(e) => setName(e.target.value)} placeholder={known[0]?.name ?? 'no task known yet: type its name'} />
          <datalist id="declared-tasks">{known.map((t) => <option key={t.name} value={t.name} label={suggested.data ? taskNote(t) : undefined} />)}</datalist>
          {unrunWarning(name, suggested.data) && <span className="hint" data-testid="task-warning">{unrunWarning(name, suggested.data)}</span>}
        </label>
        {params.length > 0 && (
          <div className="segmented" role="group" aria-label="mode">
            <button type="button" className={mode === 'form' ? 'on' : ''} onClick={() => setMode('form')}>Form</button>
            <button type="button" className={mode === 'json' ? 'on' : ''} onClick={() => setMode('json')}>JSON</button>
          </div>
        )}
        {useForm ? (
          params.map((p) => <ParamField key={p.name} param={p} value={fields[p.name] ?? ''} onChange={(v) => setFields((f) => ({ ...f, [p.name]: v }))} />)
        ) : (
          <>
            <label>Positional arguments (JSON list)<textarea name="args" value={args} onChange={(e) => setArgs(e.target.value)} rows={3} className="mono" /></label>
            <label>Keyword arguments (JSON object)<textarea name="kwargs" value={kwargs} onChange={(e) => setKwargs(e.target.value)} rows={3} className="mono" /></label>
          </>
        )}
        <div className="row">
          <label>Queue<input name="queue" value={queue} onChange={(e) => setQueue(e.target.value)} /></label>
          <label>Priority (0 first)<input name="priority" type="number" min={0} max={9} value={priority} onChange={(e) => setPriority(e.target.value)} /></label>
          <label>Countdown (s)<input name="countdown" type="number" min={0} value={countdown} onChange={(e) => setCountdown(e.target.value)} /></label>
        </div>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary">Send</button>
      </form>
    </section>
  );
}
