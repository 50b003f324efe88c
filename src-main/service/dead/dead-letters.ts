/**
 * The Dead letters view's back end: what `celeriac dead` does, for the UI. A page is read by
 * core's read model (core/broker/dead-letter-page.ts); requeue and drop name an entry by its
 * index and its key, so a click acts on the entry that was on screen even when new dead letters
 * moved the indexes meanwhile: the check is core's own (DeadLetters compares the entry it acts
 * on, in the same script), not a read before.
 */
import type { App } from '../../core/app.js';
import { deadLetterKey, deadLetterPage, type DeadLetterView } from '../../core/broker/dead-letter-page.js';
import { DeadLetters } from '../../core/broker/dead-letters.js';

/** Requeued or dropped at most per "all". */
export const DEAD_ALL_LIMIT = 10_000;

export function listDeadLetters(app: App, offset: number, limit: number): Promise<{ total: number; dropped: number; entries: DeadLetterView[] }> {
  return deadLetterPage(app.broker, offset, limit);
}

export async function requeueDeadLetter(app: App, index: number, key: string): Promise<{ requeued: string | null }> {
  return { requeued: (await new DeadLetters(app.broker).requeue(index, (s) => deadLetterKey(s) === key)).id };
}

export async function dropDeadLetter(app: App, index: number, key: string): Promise<{ dropped: number }> {
  await new DeadLetters(app.broker).drop(index, (s) => deadLetterKey(s) === key);
  return { dropped: 1 };
}

/** Requeues every entry that says its queue, oldest first; those that cannot be stay. */
export async function requeueAllDeadLetters(app: App): Promise<{ requeued: number; kept: number }> {
  const letters = new DeadLetters(app.broker);
  let requeued = 0;
  let kept = 0;
  for (let index = Math.min(await letters.count(), DEAD_ALL_LIMIT) - 1; index >= 0; index--) {
    try {
      await letters.requeue(index);
      requeued++;
    } catch {
      kept++;
    }
  }
  return { requeued, kept };
}
