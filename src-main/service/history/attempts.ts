/**
 * A retried task's runs, from its events: Celery re-sends a retried task under the same id, so
 * the task's row holds one run's fields at a time; each run (its received, started and ended
 * times, worker, how it ended and with what) is kept here. Only tasks that are retried have
 * attempts: the rest cost nothing more than their row.
 *
 * Which run an event belongs to: `task-received` says it (its `retries`); the others do not, and
 * a prefork worker may report a run's `task-received` before the `task-retried` of the run
 * before it (the re-sent message is fetched while the pool still reports). So `task-started`
 * goes to the oldest run not started yet, and an ending event to the oldest run not ended.
 */
import type { CeleryEvent } from '../../core/events/envelope.js';
import type { HistoryAttempt } from '../contract/types/tasks.js';

/** Runs kept per task at most: the first, and the latest ones (a task retried forever stays bounded). */
export const MAX_ATTEMPTS = 64;
/** An attempt's exception, cut to this many characters (the row keeps the full one of its last run). */
export const MAX_ATTEMPT_EXCEPTION = 1024;

const ENDINGS: Record<string, string> = {
  'task-retried': 'RETRY', 'task-failed': 'FAILURE', 'task-succeeded': 'SUCCESS', 'task-revoked': 'REVOKED', 'task-rejected': 'REJECTED',
};

/** The task's row as it was before the event: its first run's trace, when attempts start being kept. */
export interface RunSoFar {
  state: string;
  retries: number | null;
  worker: string | null;
  received_at: number | null;
  started_at: number | null;
  succeeded_at: number | null;
  failed_at: number | null;
  exception: string | null;
}

/** Whether this event makes (or finds) the task a retried one, so its runs are kept. */
export function isRetried(row: RunSoFar, e: CeleryEvent): boolean {
  if (e.type === 'task-retried' || row.state === 'RETRY' || (row.retries ?? 0) > 0) return true;
  return e.type === 'task-received' && typeof e.retries === 'number' && e.retries > 0;
}

/**
 * Folds one event into a task's runs, in place.
 * @param row the row before this event (the first run's trace when nothing was kept yet)
 * @param at the event's time (unix s)
 * @param exception the event's exception as the row keeps it, or null
 * @returns whether the runs changed
 */
export function foldAttempt(runs: HistoryAttempt[], row: RunSoFar, e: CeleryEvent, at: number, exception: string | null): boolean {
  const ending = ENDINGS[e.type];
  if (e.type !== 'task-received' && e.type !== 'task-started' && !ending) return false;
  if (runs.length === 0 && (row.received_at !== null || row.started_at !== null)) {
    // A run that already ended (a failure the control room sends again) keeps its ending: the new run's events are not its.
    const ended = Object.values(ENDINGS).includes(row.state) ? row.failed_at ?? row.succeeded_at ?? row.started_at ?? row.received_at : null;
    runs.push({ n: 0, state: row.state || 'RECEIVED', worker: row.worker, received_at: row.received_at, started_at: row.started_at, ended_at: ended, exception: ended !== null ? cut(row.exception) : null });
  }
  const worker = typeof e.hostname === 'string' && e.hostname !== '' ? e.hostname.slice(0, 256) : null;
  let run: HistoryAttempt | undefined;
  if (e.type === 'task-received') {
    const n = typeof e.retries === 'number' && Number.isInteger(e.retries) && e.retries >= 0 ? e.retries : nextN(runs);
    run = runs.find((r) => r.n === n) ?? add(runs, n);
    if (run.received_at === null) run.received_at = at;
    if (run.started_at === null && run.ended_at === null) run.state = 'RECEIVED';
  } else if (e.type === 'task-started') {
    run = runs.find((r) => r.started_at === null && r.ended_at === null) ?? add(runs, nextN(runs));
    run.started_at = at;
    if (run.ended_at === null) run.state = 'STARTED';
  } else {
    run = runs.find((r) => r.ended_at === null) ?? add(runs, nextN(runs));
    run.ended_at = at;
    run.state = ending!;
    if (exception !== null) run.exception = cut(exception);
  }
  if (worker !== null) run.worker = worker;
  // The first run and the latest: a run dropped from the middle is one nobody scrolls to.
  if (runs.length > MAX_ATTEMPTS) runs.splice(1, runs.length - MAX_ATTEMPTS);
  return true;
}

const cut = (exception: string | null): string | null =>
  exception !== null && exception.length > MAX_ATTEMPT_EXCEPTION ? `${exception.slice(0, MAX_ATTEMPT_EXCEPTION)}…` : exception;

const nextN = (runs: readonly HistoryAttempt[]): number => runs.reduce((max, r) => Math.max(max, r.n + 1), 0);

function add(runs: HistoryAttempt[], n: number): HistoryAttempt {
  const run: HistoryAttempt = { n, state: 'RECEIVED', worker: null, received_at: null, started_at: null, ended_at: null, exception: null };
  runs.push(run);
  runs.sort((a, b) => a.n - b.n);
  return run;
}
