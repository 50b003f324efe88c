/**
 * A task waiting for its ETA or countdown, wherever it waits: in Celeriac's shared schedule
 * (eta-schedule.ts) or in a Python worker's memory (its `inspect scheduled` reply).
 */
import type { ScheduledEntry } from './eta-schedule.js';

export interface ScheduledTask {
  /** Where it waits: `celeriac` (the shared schedule) or a Python worker's name. */
  holder: string;
  /** The delivery tag, for run now (Celeriac's schedule only). */
  tag: string | null;
  id: string | null;
  name: string | null;
  args: string;
  queue: string;
  /** unix ms */
  eta: number;
}

/** One item of a worker's `inspect scheduled` reply, as Celery's worker writes it. */
interface InspectScheduledItem {
  eta?: string;
  request?: { id?: string; name?: string; args?: unknown; delivery_info?: { routing_key?: string } };
}

/** An entry of Celeriac's schedule as a scheduled task. */
export function scheduledOfEntry({ tag, queue, message: m, eta }: ScheduledEntry): ScheduledTask {
  return { holder: 'celeriac', tag, id: m?.id ?? null, name: m?.task ?? null, args: m ? `${m.argsrepr}${m.kwargsrepr !== '{}' ? ` ${m.kwargsrepr}` : ''}` : '', queue, eta };
}

/** An item of `worker`'s `inspect scheduled` reply as a scheduled task (eta 0 when unreadable). */
export function scheduledOfReply(worker: string, item: unknown): ScheduledTask {
  const { eta: etaText, request } = (item ?? {}) as InspectScheduledItem;
  const eta = Date.parse(etaText ?? '');
  return { holder: worker, tag: null, id: request?.id ?? null, name: request?.name ?? null, args: JSON.stringify(request?.args ?? []), queue: request?.delivery_info?.routing_key ?? '', eta: Number.isNaN(eta) ? 0 : eta };
}
