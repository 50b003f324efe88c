import { useState, type FormEvent } from 'react';
import { call, CallError } from '../../api/client.js';

/** Sends a task by name with JSON arguments and call options. */
export function Submit({ onSent }: { onSent: (id: string) => void }) {
  const [name, setName] = useState('');
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
      parsedArgs = JSON.parse(args);
      parsedKwargs = JSON.parse(kwargs);
    } catch (err) {
      setError(`Arguments must be JSON: ${(err as Error).message}`);
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
        <label>Task name<input name="name" required value={name} onChange={(e) => setName(e.target.value)} placeholder="tasks.add" /></label>
        <label>Positional arguments (JSON list)<textarea name="args" value={args} onChange={(e) => setArgs(e.target.value)} rows={3} className="mono" /></label>
        <label>Keyword arguments (JSON object)<textarea name="kwargs" value={kwargs} onChange={(e) => setKwargs(e.target.value)} rows={3} className="mono" /></label>
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
