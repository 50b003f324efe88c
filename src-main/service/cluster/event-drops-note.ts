/**
 * What the event receiver dropped or cut on arrival (Cluster.eventDrops, by reason), in the
 * words of the connection's status note: a user who wonders why a task is missing or its
 * traceback ends in a mark reads that the room received it over a bound, and which. The note
 * goes some minutes after the last drop, as the history's notes do: a shop whose tracebacks are
 * always over the bound is told while they come, not for as long as the room runs.
 */
import { MAX_EVENT_MESSAGE_LENGTH } from './event-receiver.js';
import { MAX_EVENT_DEPTH, MAX_EVENT_FIELDS, MAX_EVENTS_PER_MESSAGE } from './event-limits.js';
import { MAX_WORKERS_IN_MEMORY } from './workers-state.js';

const MIB = 1024 * 1024;

/** The count, among the totals, of workers forgotten to keep the cluster's table bounded (said apart: no event was lost). */
export const WORKERS_FORGOTTEN = 'workers-forgotten';

/** Each reason the receiver counts, whether it loses events or keeps them cut, and how a count of it is said. */
const REASONS: Record<string, { lost: boolean; say: (n: number) => string }> = {
  'too-large': { lost: true, say: (n) => `${n} ${n === 1 ? 'message' : 'messages'} over ${MAX_EVENT_MESSAGE_LENGTH / MIB} MiB` },
  'too-many-events': { lost: true, say: (n) => `${n} beyond ${MAX_EVENTS_PER_MESSAGE} in one message` },
  'text-cut': { lost: false, say: (n) => `${n} with a large field cut (marked in it)` },
  'too-many-fields': { lost: false, say: (n) => `${n} with fields beyond ${MAX_EVENT_FIELDS} left out` },
  'too-deep': { lost: false, say: (n) => `${n} with a value nested over ${MAX_EVENT_DEPTH} levels (or too big) replaced by a mark` },
};

/**
 * "events dropped on arrival: 3 messages over 16 MiB; events cut on arrival: 12 with a large
 * field cut (marked in it)", or null when nothing was. A reason not known here is said by its name.
 */
export function eventDropsNote(totals: Readonly<Record<string, number>>): string | null {
  const lost: string[] = [];
  const cut: string[] = [];
  let forgotten = 0;
  for (const [reason, n] of Object.entries(totals)) {
    if (!(n > 0)) continue;
    if (reason === WORKERS_FORGOTTEN) {
      forgotten = n;
      continue;
    }
    const known = REASONS[reason];
    if (!known) lost.push(`${n} ${reason}`);
    else (known.lost ? lost : cut).push(known.say(n));
  }
  const parts: string[] = [];
  if (lost.length > 0) parts.push(`events dropped on arrival: ${lost.join(', ')}`);
  if (cut.length > 0) parts.push(`events cut on arrival: ${cut.join(', ')}`);
  if (forgotten > 0) parts.push(`workers forgotten: ${forgotten} (${MAX_WORKERS_IN_MEMORY} are kept; the offline and the longest silent went first)`);
  return parts.length > 0 ? parts.join('; ') : null;
}

/** How long the note stays after the last event dropped or cut (the history's notes stay as long). */
export const DROPS_NOTE_MS = 10 * 60_000;

/**
 * The note for the receiver's totals (counts since it started, looked at every second or so):
 * it counts the drops of the current spell, since the first after a quiet DROPS_NOTE_MS, and is
 * null once the last drop is DROPS_NOTE_MS old. A drop is timed when a look first sees it.
 */
export class EventDropsNote {
  /** The totals when the current spell began: the note counts past them. */
  private baseline: Record<string, number> = {};
  private seen: Record<string, number> = {};
  private lastDropAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number = Date.now) {}

  note(totals: Readonly<Record<string, number>>): string | null {
    const at = this.now();
    if (Object.entries(totals).some(([reason, n]) => n < (this.seen[reason] ?? 0))) {
      // Counted afresh (a new receiver): its totals are all this spell's.
      this.baseline = {};
      this.seen = {};
    }
    if (Object.entries(totals).some(([reason, n]) => n > (this.seen[reason] ?? 0))) {
      if (at - this.lastDropAt >= DROPS_NOTE_MS) this.baseline = { ...this.seen };
      this.lastDropAt = at;
    }
    this.seen = { ...totals };
    if (at - this.lastDropAt >= DROPS_NOTE_MS) return null;
    return eventDropsNote(Object.fromEntries(Object.entries(totals).map(([reason, n]) => [reason, n - (this.baseline[reason] ?? 0)])));
  }
}
