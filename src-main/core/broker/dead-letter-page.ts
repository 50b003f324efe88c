/**
 * A page of the dead-letter list for a reader: each entry with its message pretty-printed and
 * a key (the SHA-1 of the stored entry) that requeue and drop can name, so that acting on an
 * entry that was shown never acts on another when new dead letters moved the indexes meanwhile
 * (DeadLetters compares the entry it acts on, in the same script).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { showBody } from '../protocol/body-view.js';
import { PICKLE_CONTENT_TYPE } from '../protocol/serializers.js';
import { DeadLetters, listedOf, type ListedDeadLetter } from './dead-letters.js';

/** A dead letter as listed, without its raw message: `message` shows it. */
export interface DeadLetterView extends Omit<ListedDeadLetter, 'raw'> {
  /** The SHA-1 of the stored entry (deadLetterKey). */
  key: string;
  /** The message as JSON, its base64 body decoded (never unpickled), cut at 64 KB. */
  message: string;
}

/** What is shown of one message at most. */
const MAX_SHOWN = 64 * 1024;

/** The key of a stored entry: what a caller names to act on that very entry. */
export function deadLetterKey(stored: string): string {
  return createHash('sha1').update(stored).digest('hex');
}

/**
 * A message pretty-printed: the envelope, its body shown decoded (json, msgpack, yaml,
 * compressed or not; a pickle body is named, never deserialized; one that does not decode is
 * left as sent).
 */
export function prettyMessage(raw: string): string {
  let text: string;
  try {
    const env = JSON.parse(raw) as Record<string, unknown>;
    const body = showBody(env);
    if (body.decoded) env.body = body.value;
    else if (String(env['content-type']) === PICKLE_CONTENT_TYPE) env.body = body.why;
    text = JSON.stringify(env, null, 2);
  } catch {
    text = raw;
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}\n… (${text.length - MAX_SHOWN} more characters)` : text;
}

/**
 * Entries `offset`..`offset + limit - 1`, newest first, with how many there are and how many
 * were pushed out of the full list ever.
 */
export async function deadLetterPage(redis: Redis, offset: number, limit: number): Promise<{ total: number; dropped: number; entries: DeadLetterView[] }> {
  const letters = new DeadLetters(redis);
  // One read: each entry's key is of the very entry listed.
  const [total, dropped, stored] = await Promise.all([letters.count(), letters.dropped(), letters.stored(offset, limit)]);
  return {
    total,
    dropped,
    entries: stored.map((s, i) => {
      const { raw, ...e } = listedOf(s, offset + i);
      return { ...e, key: deadLetterKey(s), message: prettyMessage(raw) };
    }),
  };
}
