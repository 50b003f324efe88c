/**
 * Python's repr() of JSON values, for the `argsrepr`/`kwargsrepr` headers that Celery's tools
 * (events, `inspect`, Flower) display. Truncated as Celery's saferepr does (1024 characters).
 */

export const REPR_MAX_LENGTH = 1024;

/** repr() of one value as Python would print its JSON-decoded form. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return numberRepr(value);
  if (typeof value === 'string') return stringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (value instanceof Date) return stringRepr(value.toISOString());
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${stringRepr(k)}: ${pyRepr(v)}`,
    );
    return `{${parts.join(', ')}}`;
  }
  return stringRepr(String(value));
}

/** repr() of the args tuple: `(2, 3)`, `(1,)`, `()`. */
export function argsRepr(args: readonly unknown[]): string {
  const inner = args.map(pyRepr).join(', ');
  return truncate(args.length === 1 ? `(${inner},)` : `(${inner})`);
}

/** repr() of the kwargs dict: `{'x': 1}`. */
export function kwargsRepr(kwargs: Record<string, unknown>): string {
  return truncate(pyRepr(kwargs));
}

function truncate(text: string): string {
  return text.length <= REPR_MAX_LENGTH ? text : `${text.slice(0, REPR_MAX_LENGTH - 3)}...`;
}

function numberRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}

function stringRepr(s: string): string {
  // Python prefers single quotes, switching to double only when the text has ' and no ".
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}
