/**
 * The Dead letters view's back end: what `celeriac dead` does, for the UI. Each entry carries a
 * key (the SHA-1 of the stored entry) that requeue and drop must name, so a click acts on the
 * entry that was on screen even when new dead letters moved the indexes meanwhile: the check is
 * core's own (DeadLetters compares the entry it acts on, in the same script), not a read before.
 */
import { createHash } from 'node:crypto';
import type { App } from '../core/app.js';
import { DeadLetters, listedOf, type ListedDeadLetter } from '../core/broker/dead-letters.js';
import { DEAD_LETTERS } from '../core/keys.js';

export interface DeadLetterView extends Omit<ListedDeadLetter, 'raw'> {
  key: string;
  /** The message as JSON, its base64 body decoded when it is JSON (never unpickled), cut at 64 KB. */
  message: string;
}

/** What the view shows of one message at most. */
const MAX_SHOWN = 64 * 1024;
/** Requeued or dropped at most per "all". */
export const DEAD_ALL_LIMIT = 10_000;

const keyOf = (stored: string): string => createHash('sha1').update(stored).digest('hex');

/** A message pretty-printed: the envelope, with a JSON body shown decoded. */
export function prettyMessage(raw: string): string {
  let text: string;
  try {
    const env = JSON.parse(raw) as Record<string, unknown>;
    const props = env.properties as { body_encoding?: string } | undefined;
    const type = String(env['content-type'] ?? '');
    if (typeof env.body === 'string' && props?.body_encoding === 'base64' && type === 'application/json') {
      try {
        env.body = JSON.parse(Buffer.from(env.body, 'base64').toString('utf8'));
      } catch {
        // left as it is
      }
    } else if (type === 'application/x-python-serialize') {
      env.body = '(pickle: never deserialized)';
    }
    text = JSON.stringify(env, null, 2);
  } catch {
    text = raw;
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}\n… (${text.length - MAX_SHOWN} more characters)` : text;
}

export async function listDeadLetters(app: App, offset: number, limit: number): Promise<{ total: number; dropped: number; entries: DeadLetterView[] }> {
  const letters = new DeadLetters(app.broker);
  // One read: each entry's key is of the very entry listed.
  const [total, dropped, stored] = await Promise.all([letters.count(), letters.dropped(), app.broker.lrange(DEAD_LETTERS, offset, offset + limit - 1)]);
  return {
    total,
    dropped,
    entries: stored.map((s, i) => {
      const { raw, ...e } = listedOf(s, offset + i);
      return { ...e, key: keyOf(s), message: prettyMessage(raw) };
    }),
  };
}

export async function requeueDeadLetter(app: App, index: number, key: string): Promise<{ requeued: string | null }> {
  return { requeued: (await new DeadLetters(app.broker).requeue(index, (s) => keyOf(s) === key)).id };
}

export async function dropDeadLetter(app: App, index: number, key: string): Promise<{ dropped: number }> {
  await new DeadLetters(app.broker).drop(index, (s) => keyOf(s) === key);
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
