/**
 * The bounds a decoded event message is held to before anything keeps it: any producer can
 * publish on the event channel, and Celery's own events are small (a few hundred bytes, a
 * `task.multi` of a couple of dozen). An event is cut, never dropped, so its state still moves:
 * its large text fields by the history's field-cut rule, its other texts short, values nested
 * too deep or too big replaced by a mark, fields beyond a count left out. Only a message's
 * events beyond a count are dropped.
 */
import type { CeleryEvent } from '../../core/events/envelope.js';
import { cutText, LARGE_FIELD_CUTS, SHORT_LIMIT } from '../history/field-cut.js';

/** Events of one message kept at most (Celery groups task events by a couple of dozen). */
export const MAX_EVENTS_PER_MESSAGE = 1000;
/** Fields of one event kept at most (Celery's have about twenty). */
export const MAX_EVENT_FIELDS = 256;
/** Levels of nesting kept in a field's value (deeper ones cannot be written back as JSON safely). */
export const MAX_EVENT_DEPTH = 32;
/** Values (array items, object fields, at any depth) kept in one field's value. */
export const MAX_VALUE_NODES = 10_000;

/** What limiting a message's events did. */
export interface Limited {
  events: CeleryEvent[];
  /** Events beyond MAX_EVENTS_PER_MESSAGE, left out. */
  dropped: number;
  /** Events kept with something cut, by what: `fields`, `depth`, `text`. */
  cut: { fields: number; depth: number; text: number };
}

/** What stands for a value nested too deep or too big. */
const DEPTH_MARK = `[cut: nested deeper than ${MAX_EVENT_DEPTH} levels or over ${MAX_VALUE_NODES} values]`;

/** Whether a value is within the depth and size bounds (walked iteratively: no stack to overflow). */
function withinBounds(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  const stack: Array<[unknown, number]> = [[value, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (++nodes > MAX_VALUE_NODES) return false;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_EVENT_DEPTH) return false;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    else if (++nodes > MAX_VALUE_NODES) return false;
  }
  return true;
}

/** Holds one event to the bounds, in place, counting in `cut` what it cut. */
function limitEvent(e: CeleryEvent, cut: Limited['cut']): void {
  const ev = e as Record<string, unknown>;
  let n = 0;
  let textCut = false;
  let depthCut = false;
  for (const key in ev) {
    if (++n > MAX_EVENT_FIELDS) {
      delete ev[key];
      continue;
    }
    const v = ev[key];
    if (typeof v === 'string') {
      // Most fields are short: nothing to cut, nothing allocated.
      if (v.length <= SHORT_LIMIT) continue;
      const large = LARGE_FIELD_CUTS[key];
      const c = large ? large(v) : cutText(v, SHORT_LIMIT);
      if (c !== v) {
        ev[key] = c;
        textCut = true;
      }
    } else if (typeof v === 'object' && v !== null) {
      if (!withinBounds(v)) {
        ev[key] = DEPTH_MARK;
        depthCut = true;
      } else if (key in LARGE_FIELD_CUTS) {
        // Kept as the history writes it (JSON), cut now: a pending event holds no more than the row will.
        const json = JSON.stringify(v);
        if (json.length > SHORT_LIMIT) {
          const c = LARGE_FIELD_CUTS[key]!(json);
          if (c !== json) {
            ev[key] = c;
            textCut = true;
          }
        }
      }
    }
  }
  if (n > MAX_EVENT_FIELDS) cut.fields++;
  if (depthCut) cut.depth++;
  if (textCut) cut.text++;
}

/** A decoded message's events held to the bounds (in place; the list cut to MAX_EVENTS_PER_MESSAGE). */
export function limitEvents(events: CeleryEvent[]): Limited {
  const cut = { fields: 0, depth: 0, text: 0 };
  const dropped = Math.max(0, events.length - MAX_EVENTS_PER_MESSAGE);
  const kept = dropped > 0 ? events.slice(0, MAX_EVENTS_PER_MESSAGE) : events;
  for (const e of kept) limitEvent(e, cut);
  return { events: kept, dropped, cut };
}
