/**
 * How much of a long value (an argument, a result, a traceback: any producer may send a
 * megabyte) goes into the page: a browser lays out every character it is given, so the rest
 * waits behind "show all", and even that stops at a bound (the whole value is copied, or exported).
 */

/** Characters shown at first. */
export const SHOWN_CHARS = 2000;
/** Characters a list's cell shows (one line; the task's page shows more). */
export const LIST_CHARS = 300;
/** Characters "show all" shows at most. */
export const MAX_SHOWN_CHARS = 200_000;

export interface Cut {
  shown: string;
  /** Characters not shown. */
  hidden: number;
}

/** The first `limit` characters of `text` (never half of a surrogate pair), and how many are left. */
export function cutText(text: string, limit: number): Cut {
  if (text.length <= limit) return { shown: text, hidden: 0 };
  let end = limit;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return { shown: text.slice(0, end), hidden: text.length - end };
}

/** "1,048,576 characters" */
export const characters = (n: number): string => `${n.toLocaleString()} character${n === 1 ? '' : 's'}`;
