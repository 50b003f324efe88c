/**
 * The explicit limits on what crosses the wire. A value past them is refused with a typed
 * error (a dead letter on the worker's side, NotSerializableError on the producer's) instead of
 * reaching code whose recursion it would overflow: JSON.stringify, IPC to a pool child, repr.
 */

/**
 * Nesting of arrays and objects in a message's arguments, headers or result. Python's json
 * cannot write deeper than its recursion limit (1000), so no Celery client sends more; Node's
 * recursive encoders break a few thousand levels down.
 */
export const MAX_NESTING = 1000;

/** A message on a queue, in bytes of its JSON envelope (Celery has none; Redis allows 512 MB). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Whether JSON text nests deeper than `limit`, without parsing it: a scan of brackets outside
 * strings. Text shorter than two characters per level cannot, so the usual message costs one
 * length check.
 */
export function jsonNestsDeeper(text: string, limit: number): boolean {
  if (text.length <= limit * 2) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/**
 * Whether a value (already parsed, e.g. from structured clone) nests deeper than `limit`.
 * Iterative, so a value deep enough to overflow the stack is measured without overflowing it.
 */
export function valueNestsDeeper(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
