import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { INBOXES, inboxKey } from '../keys.js';
import { callScript, registerScripts } from '../scripts.js';
import { ScriptResult } from '../script-results.js';

/** How often a worker says its inbox is alive (ms)... */
export const INBOX_REFRESH_MS = 2_000;
/** ...and how long after the last time anyone may hand back what it holds (ms). */
export const INBOX_STALE_MS = 15_000;

/**
 * A worker's inboxes, one per list it consumes. When every list was empty, the worker waits in
 * `BLMOVE list inbox`: the message it wakes for is moved into its inbox (atomically: it is in
 * Redis throughout, and no other worker can take it), so it can start at once while the claim
 * script that takes it from there into kombu's `unacked` is on its way; waiting for the claim's
 * reply first was a large part of a task's latency at low load (see docs/performance.md). A
 * worker that dies in that instant leaves the message in its inbox: any worker hands it back
 * once the inbox goes stale.
 */
export class Inbox {
  readonly id = randomUUID();
  private readonly sources = new Map<string, string>();
  /** When this worker last told Redis it lives (ms, its own clock). */
  private refreshed = 0;

  constructor(private readonly redis: Redis, readonly lists: readonly string[]) {
    registerScripts(redis, new URL('./lua/', import.meta.url));
    for (const list of lists) this.sources.set(inboxKey(this.id, list), list);
  }

  keyOf(list: string): string {
    return inboxKey(this.id, list);
  }

  /** The queue list an inbox list was filled from (a claim taken from the inbox is that list's). */
  sourceOf(key: string): string {
    return this.sources.get(key) ?? key;
  }

  /** Tells Redis this inbox's owner lives; called every INBOX_REFRESH_MS. */
  async refresh(): Promise<void> {
    const now = Date.now();
    await this.redis.hset(INBOXES, this.id, JSON.stringify({ seen: now, lists: this.lists }));
    this.refreshed = now;
  }

  /**
   * Whether a message found in the inbox may start before its claim's reply: not when this
   * worker's event loop was held up so long that others may already have handed it back.
   */
  fresh(): boolean {
    return Date.now() - this.refreshed < INBOX_STALE_MS / 2;
  }

  /** Hands back what the inbox holds (the worker is stopping). @returns how many */
  async handBack(): Promise<number> {
    return restoreInbox(this.redis, this.id, this.lists, null);
  }
}

/** An INBOXES entry as read back: anything may have written it. */
interface InboxEntry {
  seen?: unknown;
  lists?: unknown;
}

/**
 * Hands back what the inboxes of workers gone for INBOX_STALE_MS hold, whoever they were.
 * @returns how many messages went back to their queues
 */
export async function restoreAbandonedInboxes(redis: Redis, now = Date.now()): Promise<number> {
  registerScripts(redis, new URL('./lua/', import.meta.url));
  const staleBefore = now - INBOX_STALE_MS;
  let restored = 0;
  for (const [id, entry] of Object.entries(await redis.hgetall(INBOXES))) {
    let info: InboxEntry | null;
    try {
      info = JSON.parse(entry) as InboxEntry | null;
    } catch {
      info = null;
    }
    const lists = Array.isArray(info?.lists) ? info.lists.filter((l): l is string => typeof l === 'string') : [];
    const seen = typeof info?.seen === 'number' ? info.seen : 0;
    if (seen >= staleBefore) continue;
    const moved = await restoreInbox(redis, id, lists, staleBefore);
    if (moved !== ScriptResult.InboxStillOwned) restored += moved;
  }
  return restored;
}

function restoreInbox(redis: Redis, id: string, lists: readonly string[], staleBefore: number | null): Promise<number> {
  const keys = [INBOXES, ...lists.flatMap((list) => [inboxKey(id, list), list])];
  return callScript<number>(redis, 'restoreInbox', keys, [id, staleBefore ?? '']);
}
