/**
 * The announcements of task records, and their parser beside them: every record writer
 * PUBLISHes on RECORDS_CHANGED (core/keys.ts) the ids it wrote with their new state, so that
 * a listener that only follows states (a batch's progress bar, the history) need not read
 * the records back.
 *
 * A message is entries joined by ',', each `id` (an older writer) or `id\x1fSTATE[\x1fGROUP]`.
 */
import type { Redis } from 'ioredis';
import { RECORDS_CHANGED } from '../keys.js';

/**
 * Subscribes `sub` to the announcements: its 'message' events then carry them, to be read by
 * forEachAnnouncement. @returns once Redis has confirmed it
 */
export function subscribeToAnnouncements(sub: Redis): Promise<unknown> {
  return sub.subscribe(RECORDS_CHANGED);
}

/** Separates an announcement's fields (ASCII unit separator: in no id, state or group). */
const UNIT = '\x1f';

/**
 * One record's announcement: its id, its new state and its group, so that a listener that
 * only follows states (a batch's progress bar) need not read the record back.
 */
export function announcement(id: string, state: string, group: string | null): string {
  return group ? `${id}${UNIT}${state}${UNIT}${group}` : `${id}${UNIT}${state}`;
}

/**
 * Reads one message of announcements (entries joined by ','), calling `each` per entry; a bare
 * id (an older writer) comes with no state. The control room runs this for every task a worker
 * ends, so it walks the text once, without splitting it or making an object per entry.
 */
export function forEachAnnouncement(text: string, each: (id: string, state: string | undefined, group: string | undefined) => void): void {
  // The next separator at or after `start` (text.length when there is none): kept between
  // entries, so that bare ids do not each search to the end of the text.
  let sep = -1;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf(',', start);
    if (end < 0) end = text.length;
    if (sep < start) sep = indexOr(text, UNIT, start);
    if (sep >= end) {
      if (end > start) each(text.slice(start, end), undefined, undefined);
    } else {
      const b = indexOr(text, UNIT, sep + 1);
      const state = text.slice(sep + 1, Math.min(b, end));
      each(text.slice(start, sep), state || undefined, b < end && end > b + 1 ? text.slice(b + 1, end) : undefined);
      sep = b < end ? -1 : b;
    }
    start = end + 1;
  }
}

function indexOr(text: string, search: string, from: number): number {
  const i = text.indexOf(search, from);
  return i < 0 ? text.length : i;
}
