import type { KnownTask } from '../../api/contract.js';

/**
 * What a suggested task name says beside it: who runs it, or that nobody does now (a built-in
 * with no hosted pool, a name the history saw whose worker is gone), so a task is not sent
 * where it would wait for ever.
 */
export function taskNote(t: KnownTask): string {
  if (t.workers.length === 1) return `runs on ${t.workers[0]}`;
  if (t.workers.length > 1) return `runs on ${t.workers.length} workers`;
  return t.declared ? 'built-in — no worker runs it' : 'no live worker runs it';
}

/**
 * The warning under the task name typed, or null when a live worker runs it or nothing is
 * known yet (the workers did not answer: no warning rather than a wrong one).
 */
export function unrunWarning(name: string, known: { tasks: readonly KnownTask[]; answered: readonly string[] } | null): string | null {
  if (!known || !name.trim()) return null;
  const t = known.tasks.find((k) => k.name === name.trim());
  if (t && t.workers.length > 0) return null;
  const nobody = known.answered.length === 0 ? 'no live worker answered' : `none of the ${known.answered.length} live worker${known.answered.length === 1 ? '' : 's'} registered it`;
  return `${name.trim()} — no worker runs it (${nobody}): it will wait in its queue until a worker that has it starts.`;
}
