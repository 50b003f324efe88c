import { useEffect, useState, type FormEvent } from 'react';
import { call, CallError } from '../../api/client.js';
import { useCall } from '../../api/use-call.js';
import type { ScheduleView } from '../../api/contract.js';
import { fieldValue, initialValue, ParamField } from '../Submit/ParamField.js';

const CRON_FIELDS = ['minute', 'hour', 'day_of_month', 'month_of_year', 'day_of_week'] as const;

/** Adds or edits a dynamic entry: the task picker, its declared parameters as a form (or JSON), the schedule. */
export function ScheduleForm({ entry, onDone }: { entry: ScheduleView | null; onDone: (saved: string | null) => void }) {
  const declared = useCall('tasks:declared', {});
  const [name, setName] = useState(entry?.name ?? '');
  const [task, setTask] = useState(entry?.task ?? '');
  const params = declared.data?.find((t) => t.name === task)?.params ?? [];
  const [fields, setFields] = useState<Record<string, string>>({});
  const [args, setArgs] = useState(JSON.stringify(entry?.args ?? []));
  const [kind, setKind] = useState<'every' | 'cron' | 'at'>(entry?.kind ?? 'every');
  const [every, setEvery] = useState(String(entry?.every ?? 60));
  const [cron, setCron] = useState(entry?.cron ?? { minute: '0', hour: '*', day_of_week: '*', day_of_month: '*', month_of_year: '*' });
  const [timezone, setTimezone] = useState(entry?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC');
  const [at, setAt] = useState(entry?.at ? new Date(entry.at).toISOString() : '');
  const [queue, setQueue] = useState(typeof entry?.options.queue === 'string' ? entry.options.queue : '');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!entry) setFields(Object.fromEntries(params.map((p) => [p.name, initialValue(p)])));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [task]);
  const useForm = params.length > 0 && !entry;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    let parsedArgs: unknown;
    try {
      parsedArgs = useForm ? params.map((p) => fieldValue(p, fields[p.name] ?? '')) : JSON.parse(args);
    } catch (err) {
      setError(`Arguments: ${(err as Error).message}`);
      return;
    }
    try {
      await call('schedules:save', {
        name, task, kind, args: parsedArgs as never,
        ...(kind === 'every' ? { every: Number(every) } : kind === 'cron' ? { cron, timezone } : { at }),
        options: queue ? { queue } : {},
        enabled: entry?.enabled ?? true,
      });
      onDone(name);
    } catch (err) {
      setError(err instanceof CallError ? err.error.message : (err as Error).message);
    }
  };

  return (
    <form className="form" aria-label="schedule" onSubmit={(e) => void submit(e)}>
      <label>Name<input value={name} required onChange={(e) => setName(e.target.value)} disabled={entry !== null} placeholder="nightly-report" /></label>
      <label>
        Task
        <input value={task} required list="schedule-tasks" onChange={(e) => setTask(e.target.value)} placeholder="tasks.report" />
        <datalist id="schedule-tasks">{declared.data?.map((t) => <option key={t.name} value={t.name} />)}</datalist>
      </label>
      {useForm ? (
        params.map((p) => <ParamField key={p.name} param={p} value={fields[p.name] ?? ''} onChange={(v) => setFields((f) => ({ ...f, [p.name]: v }))} />)
      ) : (
        <label>Positional arguments (JSON list)<textarea className="mono" rows={2} value={args} onChange={(e) => setArgs(e.target.value)} /></label>
      )}
      <label>
        Schedule
        <select aria-label="schedule kind" value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
          <option value="every">every N seconds</option><option value="cron">crontab</option><option value="at">once, at a time</option>
        </select>
      </label>
      {kind === 'every' && <label>Every (seconds)<input type="number" min="0.1" step="any" value={every} onChange={(e) => setEvery(e.target.value)} /></label>}
      {kind === 'cron' && (
        <div className="row">
          {CRON_FIELDS.map((f) => (
            <label key={f}>{f.replace(/_/g, ' ')}<input className="mono" value={cron[f]} onChange={(e) => setCron((c) => ({ ...c, [f]: e.target.value }))} /></label>
          ))}
          <label>Timezone<input value={timezone} onChange={(e) => setTimezone(e.target.value)} placeholder="Europe/Berlin" /></label>
        </div>
      )}
      {kind === 'at' && <label>At (ISO time)<input value={at} onChange={(e) => setAt(e.target.value)} placeholder="2027-01-01T00:00:00Z" /></label>}
      <label>Queue<input value={queue} onChange={(e) => setQueue(e.target.value)} placeholder="the task's, else celery" /></label>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="row">
        <button className="primary" type="submit">Save</button>
        <button type="button" onClick={() => onDone(null)}>Cancel</button>
      </div>
    </form>
  );
}
