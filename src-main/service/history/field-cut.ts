/**
 * One rule for the large text a task carries into the history (its result, exception,
 * traceback, argument reprs), whichever way it comes: a task event, a stored result read back,
 * a Celeriac record. A field over FIELD_LIMIT characters is cut to it and says so at the cut
 * (`… [cut: 1.5 MB]`, the size it had), so a task whose exception was megabytes long is still
 * listed, searched and counted, with a row of bounded size. The cut is idempotent: text cut
 * once is within the limit and is never cut again.
 */

/** Characters kept at most of a large text field (result, exception, traceback, args, kwargs). */
export const FIELD_LIMIT = 64 * 1024;
/** Characters kept at most of any other text a task or worker event carries (names, ids, queues, times). */
export const SHORT_LIMIT = 1024;
/** Of a cut traceback's last line (it names the exception), the characters kept after the cut. */
const LAST_LINE_KEPT = 4096;

/** A size as a person reads it: `512 B`, `40 kB`, `1.5 MB`. */
function size(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(0)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

/** The mark a cut leaves, with the size the text had (UTF-8 bytes). */
export const cutMark = (original: string): string => `… [cut: ${size(Buffer.byteLength(original, 'utf8'))}]`;

/** Whether a text was cut by this rule. */
export const wasCut = (s: string): boolean => /… \[cut: [\d.]+ [kMG]?B\]/.test(s);

/** The first `n` characters, not splitting a surrogate pair. */
function head(s: string, n: number): string {
  if (n <= 0) return '';
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/**
 * A text within `limit` characters: itself, or its beginning, the cut's mark and its last
 * `tail` characters (the closing `')` of a repr).
 */
export function cutText(s: string, limit = FIELD_LIMIT, tail = 0): string {
  if (s.length <= limit) return s;
  const mark = cutMark(s);
  const end = tail > 0 ? s.slice(-tail) : '';
  return head(s, limit - mark.length - end.length) + mark + end;
}

/** An exception as `Type('message')`, cut inside its parentheses so its type and repr's shape stay. */
export function cutException(s: string, limit = FIELD_LIMIT): string {
  const close = /['"]?\)$/.exec(s)?.[0] ?? '';
  return cutText(s, limit, close.length);
}

/**
 * A traceback: its beginning, and the beginning of its last line (`ValueError: message`, which
 * names the exception when the event's own exception field does not), the mark at the end.
 */
export function cutTraceback(s: string, limit = FIELD_LIMIT): string {
  if (s.length <= limit) return s;
  const trimmed = s.trimEnd();
  const lastLine = trimmed.slice(trimmed.lastIndexOf('\n') + 1);
  const mark = cutMark(s);
  const last = head(lastLine, Math.min(LAST_LINE_KEPT, Math.floor(limit / 4)));
  // The last line whole is the traceback itself (one line): cut as any text.
  if (last.length === trimmed.length) return cutText(s, limit);
  return `${head(s, limit - mark.length - last.length - 1)}\n${last}${mark}`;
}

/** A text field's value (JSON for what is not a string; null for nothing), cut by the rule. */
export function cutValue(v: unknown, limit = FIELD_LIMIT): string | null {
  if (v === null || v === undefined) return null;
  return cutText(typeof v === 'string' ? v : JSON.stringify(v) ?? String(v), limit);
}

/**
 * An exception's message, cut before it is written as a repr inside `Type(...)`: a huge one is
 * not copied whole to keep its beginning, room is left for its type, and the mark tells the size
 * it had.
 */
export const cutMessage = (m: string): string => cutText(m, FIELD_LIMIT - SHORT_LIMIT - 16);

/** The large text fields (the history's columns, an event's fields) and how each is cut. */
export const LARGE_FIELD_CUTS: Readonly<Record<string, (s: string) => string>> = {
  result: (s) => cutText(s),
  exception: (s) => cutException(s),
  traceback: (s) => cutTraceback(s),
  args: (s) => cutText(s),
  kwargs: (s) => cutText(s),
};

/**
 * A report's fields (the history's columns) with every text cut: the large ones to
 * FIELD_LIMIT, the others (name, queue, worker, ids, times) to SHORT_LIMIT. In place.
 */
export function cutFields<T extends Record<string, unknown>>(fields: T): T {
  const f = fields as Record<string, unknown>;
  for (const key of Object.keys(f)) {
    const v = f[key];
    if (typeof v !== 'string') continue;
    const cut = LARGE_FIELD_CUTS[key];
    f[key] = cut ? cut(v) : cutText(v, SHORT_LIMIT);
  }
  return fields;
}
