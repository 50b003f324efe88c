/**
 * What the history's feed holds between two writes, measured and cut up: an event's or a
 * report's size (the feed's bound on what it holds is in characters), and a flush split into
 * chunks of whole tasks, each written in one transaction.
 */
import type { CeleryEvent } from '../../core/events/envelope.js';
import type { Report } from './history-store.js';

/** What a field costs besides its text (its name, the value's slot). */
const FIELD_CHARS = 16;

/**
 * An event's or a report's size, estimated cheaply: the length of its text fields, and a little
 * for each field. A nested value (rare: a heartbeat's load averages; bounded in nodes on
 * arrival) is measured as its JSON.
 */
export function heldChars(fields: object): number {
  let n = 0;
  const f = fields as Record<string, unknown>;
  for (const key in f) {
    const v = f[key];
    n += FIELD_CHARS + (typeof v === 'string' ? v.length : typeof v === 'object' && v !== null ? jsonLength(v) : 0);
  }
  return n;
}

function jsonLength(v: object): number {
  try {
    return JSON.stringify(v)?.length ?? 0;
  } catch {
    return FIELD_CHARS; // not JSON (a cycle, a bigint): not from the wire either
  }
}

/** A flush's part written in one transaction, and the characters it holds (@see heldChars). */
export interface Chunk {
  events: CeleryEvent[];
  reports: Report[];
  rows: number;
  chars: number;
  /** One task's only (split off a refused chunk), and how many times its write was refused. */
  single: boolean;
  tries: number;
}

/**
 * A flush's events and reports in chunks of at most `perChunk` tasks, each task's in one
 * chunk, in the order they came. @param chars what they hold together
 */
export function chunksByTask(events: readonly CeleryEvent[], reports: readonly Report[], chars: number, perChunk: number): Chunk[] {
  if (events.length + reports.length <= perChunk) return [{ events: [...events], reports: [...reports], rows: 0, chars, single: false, tries: 0 }];
  const chunks: Chunk[] = [];
  const chunkOf = new Map<string, Chunk>();
  const place = (id: unknown): Chunk => {
    const key = typeof id === 'string' ? id : '';
    let chunk = chunkOf.get(key);
    if (!chunk) {
      chunk = chunks[chunks.length - 1];
      if (!chunk || chunk.rows >= perChunk) chunks.push((chunk = { events: [], reports: [], rows: 0, chars: 0, single: false, tries: 0 }));
      chunk.rows++;
      chunkOf.set(key, chunk);
    }
    return chunk;
  };
  for (const e of events) {
    const chunk = place(e.uuid);
    chunk.events.push(e);
    chunk.chars += heldChars(e);
  }
  for (const r of reports) {
    const chunk = place(r.id);
    chunk.reports.push(r);
    chunk.chars += r.id.length + heldChars(r.fields);
  }
  return chunks;
}
