/**
 * Who holds each held message. kombu's `unacked` entry does not say (Python workers and
 * Celeriac's write the same one), so the owner is worked out: the worker the task's events and
 * record name in the history; else the worker that answered Celery's `query_task` control for
 * its id (asked in the background for the ids nobody named, at most every ASK_EVERY_MS, the
 * answer kept for the next read); else unknown.
 */
import type { App } from '../../core/app.js';
import type { HeldPage } from '../../core/broker/held-messages.js';
import type { HeldByWorker, HeldByWorkersPage } from '../contract/index.js';
import { INSPECT_TIMEOUT_MS } from '../cluster/cluster.js';
import type { HistoryFace } from '../history/history-reader.js';

/**
 * The visibility timeout claims are judged by: kombu's default, which Celeriac's workers share.
 * Each worker may set its own; the room is not told it for every worker, so a claim flagged
 * overdue is one the default would restore.
 */
export const KOMBU_VISIBILITY_TIMEOUT = 3600;

/** The least time between two `query_task` asks of one connection. */
const ASK_EVERY_MS = 5000;
/** How long an answer is trusted (the task may have ended and been claimed again since). */
const ANSWER_KEPT_MS = 60_000;
/** Most ids one ask names. */
const ASK_MAX_IDS = 200;

interface Asked {
  at: number;
  pending: boolean;
  owners: Map<string, { worker: string; at: number }>;
}

/** Per connection (its App): the last `query_task` answers. */
const askedOf = new WeakMap<App, Asked>();

/** The page with each message's owner. */
export function withOwners(app: App, history: HistoryFace, page: HeldPage, visibilityTimeout: number, now = Date.now()): HeldByWorkersPage {
  const asked = askedOf.get(app) ?? { at: -Infinity, pending: false, owners: new Map() };
  askedOf.set(app, asked);
  const unknown: string[] = [];
  const messages = page.messages.map((m): HeldByWorker => {
    if (m.id === null) return { ...m, owner: null, ownerFrom: null };
    const known = history.get(m.id)?.worker;
    if (known) return { ...m, owner: known, ownerFrom: 'history' };
    const answered = asked.owners.get(m.id);
    if (answered && now - answered.at < ANSWER_KEPT_MS) return { ...m, owner: answered.worker, ownerFrom: 'inspect' };
    unknown.push(m.id);
    return { ...m, owner: null, ownerFrom: null };
  });
  if (unknown.length > 0 && !asked.pending && now - asked.at >= ASK_EVERY_MS) void ask(app, asked, unknown.slice(0, ASK_MAX_IDS));
  return { ...page, messages, visibilityTimeout };
}

/** Celery's `query_task`: each worker answers for the ids it has active or reserved. */
async function ask(app: App, asked: Asked, ids: string[]): Promise<void> {
  asked.pending = true;
  asked.at = Date.now();
  try {
    const replies = await app.control.broadcast('query_task', { ids }, { timeout: INSPECT_TIMEOUT_MS });
    const at = Date.now();
    for (const [worker, reply] of Object.entries(replies)) {
      if (typeof reply !== 'object' || reply === null) continue;
      for (const id of Object.keys(reply)) if (ids.includes(id)) asked.owners.set(id, { worker, at });
    }
    for (const [id, o] of asked.owners) if (at - o.at >= ANSWER_KEPT_MS) asked.owners.delete(id);
  } catch {
    // Redis away: the next read asks again.
  } finally {
    asked.pending = false;
  }
}
