/**
 * Tasks waiting for their ETA or countdown: those Celeriac workers keep in `celeriac:schedule`
 * (shown with their queue, run now on ask) and those Python workers hold in memory (`inspect
 * scheduled`). Without this, a task with a 300 s countdown reads PENDING and its queue 0.
 */
import type { App } from '../../core/app.js';
import { countScheduledEntries, listScheduledEntries, runScheduledNow as runNow } from '../../core/broker/eta-schedule.js';
import { scheduledOfEntry, scheduledOfReply, type ScheduledTask } from '../../core/broker/scheduled-task.js';
import { ConfigurationError } from '../../core/errors.js';

/** Listed at most. */
export const SCHEDULED_LIMIT = 1000;

/** What each worker holds in memory waiting for its ETA (`inspect scheduled`: Python's keep them there). */
async function heldByWorkers(app: App): Promise<Record<string, unknown[]>> {
  const replies = (await app.control.broadcast('scheduled', {}, { timeout: 500 }).catch(() => ({}))) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(replies).filter((e): e is [string, unknown[]] => Array.isArray(e[1])));
}

export async function listScheduled(app: App, withPython = true): Promise<{ total: number; tasks: ScheduledTask[] }> {
  const { total, entries } = await listScheduledEntries(app.broker, SCHEDULED_LIMIT);
  const tasks: ScheduledTask[] = entries.map(scheduledOfEntry);
  if (withPython) {
    for (const [worker, list] of Object.entries(await heldByWorkers(app))) {
      for (const item of list.slice(0, SCHEDULED_LIMIT)) tasks.push(scheduledOfReply(worker, item));
    }
  }
  tasks.sort((a, b) => a.eta - b.eta);
  return { total, tasks };
}

/** How long a count of what Python workers hold is used before they are asked again. */
const HELD_FRESH_MS = 5000;
/** The last count of ETA tasks workers hold in memory, per app (connection), and the ask under way. */
const held = new WeakMap<App, { n: number; at: number; asking: Promise<number> | null }>();

/** How many ETA tasks workers hold in memory now. */
async function askHeld(app: App): Promise<number> {
  return Object.values(await heldByWorkers(app)).reduce((sum, list) => sum + list.length, 0);
}

/**
 * The summary bar's "scheduled": Celeriac's schedule and what Python workers hold, as the
 * Scheduled view lists them. Workers are asked at most every HELD_FRESH_MS (the bar is read
 * by every view); a count already known is answered at once while a fresher one is asked for.
 */
export async function scheduledCount(app: App): Promise<number> {
  let h = held.get(app);
  if (!h) held.set(app, (h = { n: 0, at: 0, asking: null }));
  const entry = h;
  if (!entry.asking && Date.now() - entry.at > HELD_FRESH_MS) {
    entry.asking = askHeld(app).then((n) => {
      entry.n = n;
      entry.at = Date.now();
      return n;
    }).finally(() => {
      entry.asking = null;
    });
  }
  const pythonHeld = entry.at === 0 && entry.asking ? await entry.asking : entry.n;
  return (await countScheduledEntries(app.broker)) + pythonHeld;
}

/** Moves a task from Celeriac's schedule to its queue now. */
export async function runScheduledNow(app: App, tag: string): Promise<{ moved: boolean }> {
  if (!(await runNow(app.broker, tag))) throw new ConfigurationError('that task is no longer scheduled (it ran, or was moved)');
  return { moved: true };
}
