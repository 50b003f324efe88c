/**
 * The task names the Send form and the batch dialog suggest: what the live workers say they
 * run (`inspect registered`, Python's and Celeriac's), what the history has seen lately, and
 * the tasks declared here (the built-ins, the hosted pool's modules), each marked with the
 * workers that run it, so a name no live worker runs can say so before it is sent.
 */
import type { App } from '../../core/app.js';
import { INSPECT_TIMEOUT_MS } from '../cluster/cluster.js';
import type { KnownTask, KnownTasks } from '../contract/types/workers.js';

/** The most names suggested (a worker or a producer may use any number). */
export const MAX_KNOWN_TASKS = 2000;
/** The most workers whose replies are read, and names read from one reply. */
export const MAX_REPLYING_WORKERS = 500;
export const MAX_NAMES_PER_WORKER = 5000;
/** A longer name is no task name anyone types: dropped. */
export const MAX_TASK_NAME_CHARS = 512;

/**
 * A `registered` reply's entries as task names: Celery lists `name [rate_limit=10/m]` when
 * asked for task info (and Celeriac for a rate-limited task), the name alone otherwise.
 */
export function registeredNames(reply: unknown): string[] {
  if (!Array.isArray(reply)) return [];
  const names: string[] = [];
  for (const entry of reply.slice(0, MAX_NAMES_PER_WORKER)) {
    if (typeof entry !== 'string') continue;
    const name = entry.replace(/ \[.*$/, '').trim();
    if (name && name.length <= MAX_TASK_NAME_CHARS) names.push(name);
  }
  return names;
}

/**
 * Joins the sources. Order: the names some live worker runs, then those only the history saw,
 * then the declared ones nobody runs; by name within each.
 */
export function joinKnown(replies: Record<string, unknown>, declared: readonly string[], seen: readonly string[]): KnownTasks {
  const answered = Object.keys(replies).slice(0, MAX_REPLYING_WORKERS).sort();
  const byName = new Map<string, KnownTask>();
  const entry = (name: string): KnownTask | undefined => {
    let t = byName.get(name);
    if (!t && byName.size < MAX_KNOWN_TASKS && name && name.length <= MAX_TASK_NAME_CHARS) byName.set(name, (t = { name, workers: [], declared: false, seen: false }));
    return t;
  };
  // Declared and run first: those stay suggested whatever else fills the list.
  for (const name of declared) {
    const t = entry(name);
    if (t) t.declared = true;
  }
  for (const worker of answered) for (const name of registeredNames(replies[worker])) entry(name)?.workers.push(worker);
  for (const name of seen) {
    const t = entry(name);
    if (t) t.seen = true;
  }
  const rank = (t: KnownTask): number => (t.workers.length > 0 ? 0 : t.seen ? 1 : 2);
  const tasks = [...byName.values()].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  return { tasks, answered };
}

/** Asks every live worker what it runs (1 s, as Flower's inspect) and joins it with what is known here. */
export async function knownTasks(app: App, declared: readonly string[], seen: readonly string[]): Promise<KnownTasks> {
  const replies = await app.control.broadcast('registered', {}, { timeout: INSPECT_TIMEOUT_MS });
  return joinKnown(replies, declared, seen);
}
