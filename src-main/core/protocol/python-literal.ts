/**
 * Reads the Python literals a task's `argsrepr` / `kwargsrepr` hold back into values, without
 * eval: numbers (ints of any size, floats, inf and nan as repr prints them), strings, bytes,
 * lists, tuples, dicts, sets, None, True, False and `...`. Anything else (a call such as
 * `datetime.datetime(...)`, `<object object at 0x...>`) is refused as not a literal.
 *
 * Two dialects:
 * - `python`: Python's own literal grammar (what `repr()` prints and `ast.literal_eval` reads):
 *   every quote form, prefix and escape, implicit concatenation.
 * - `saferepr`: what Celery's `saferepr` prints for a producer's arguments. It quotes strings
 *   with `'`, escapes only `'` (as `\'`) and leaves backslashes, newlines and other control
 *   characters raw; bytes are printed unescaped, or as hex when they are not UTF-8. So a
 *   backslash before anything but a quote cannot be read back (was it escaped?), and bytes
 *   cannot be at all: both are refused as ambiguous rather than guessed.
 *
 * Input is bounded in length and nesting; every refusal is a PythonLiteralError with a reason.
 */
import { CeleriacError } from '../errors.js';

export type PyLiteral =
  | { type: 'none' }
  | { type: 'bool'; value: boolean }
  | { type: 'int'; value: bigint }
  | { type: 'float'; value: number }
  | { type: 'str'; value: string }
  | { type: 'bytes'; value: Uint8Array }
  | { type: 'list' | 'tuple' | 'set'; items: PyLiteral[] }
  | { type: 'dict'; entries: Array<[PyLiteral, PyLiteral]> }
  /** `...`: in a Celery repr, where it cut the rest. */
  | { type: 'ellipsis' };

/** Why a text was not read; stable values. */
export type PythonLiteralReason =
  | 'syntax'
  /** Longer than maxLength. */
  | 'too_long'
  /** Containers nested deeper than maxDepth. */
  | 'too_deep'
  /** A call, a name or an object's repr: no literal. */
  | 'not_literal'
  /** A form the dialect prints in a way that cannot be read back exactly. */
  | 'ambiguous'
  /** A literal this reader does not take (complex numbers, `\N{...}` names, f-strings). */
  | 'unsupported';

export class PythonLiteralError extends CeleriacError {
  readonly reason: PythonLiteralReason;
  /** Where in the text, 0-based. */
  readonly position: number;

  constructor(reason: PythonLiteralReason, message: string, position: number) {
    super(message, 'E_PYTHON_LITERAL');
    this.reason = reason;
    this.position = position;
  }
}

export interface PythonLiteralOptions {
  /** @default 'python' */
  dialect: 'python' | 'saferepr';
  /** Longest text read, in characters. @default 1 MiB */
  maxLength: number;
  /** Deepest nesting of containers. @default 64 */
  maxDepth: number;
}

export const DEFAULT_PYTHON_LITERAL_OPTIONS: PythonLiteralOptions = { dialect: 'python', maxLength: 1024 * 1024, maxDepth: 64 };

/**
 * Reads one Python literal.
 * @throws PythonLiteralError
 */
export function parsePythonLiteral(text: string, options: Partial<PythonLiteralOptions> = {}): PyLiteral {
  const o = { ...DEFAULT_PYTHON_LITERAL_OPTIONS, ...options };
  if (text.length > o.maxLength) throw new PythonLiteralError('too_long', `the text is ${text.length} characters, more than ${o.maxLength}`, o.maxLength);
  const reader = new Reader(text, o);
  const value = reader.value(0);
  reader.end();
  return value;
}

const SIMPLE_ESCAPES: Record<string, number> = { '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };
const NAMES = new Map<string, PyLiteral>([
  ['None', { type: 'none' }], ['True', { type: 'bool', value: true }], ['False', { type: 'bool', value: false }],
  ['inf', { type: 'float', value: Infinity }], ['nan', { type: 'float', value: NaN }], ['Ellipsis', { type: 'ellipsis' }],
]);
const INT = /0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+/y;
const DECIMAL = /(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?/y;
const IDENTIFIER = /[A-Za-z_][\w]*/y;
const STRING_START = /([rRbBuUfF]{0,2})('''|"""|'|")/y;
/** A number or a name Celery's saferepr cut short (`22...`, `Tr...`): it prints `...` after what it kept. */
const CUT_TOKEN = /[\w.+-]*?\.\.\./y;

class Reader {
  private pos = 0;

  constructor(private readonly text: string, private readonly o: PythonLiteralOptions) {}

  private fail(reason: PythonLiteralReason, what: string, at = this.pos): never {
    throw new PythonLiteralError(reason, `${what} at character ${at + 1}`, at);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && ' \t\n\r\f\v'.includes(this.text[this.pos]!)) this.pos++;
  }

  end(): void {
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('syntax', `unexpected ${JSON.stringify(this.text.slice(this.pos, this.pos + 20))} after the value`);
  }

  value(depth: number): PyLiteral {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) this.fail('syntax', 'a value is missing');
    if (c === '(' || c === '[' || c === '{') return this.container(depth);
    if (c === '-' || c === '+') return this.signed();
    CUT_TOKEN.lastIndex = this.pos;
    const cut = CUT_TOKEN.exec(this.text);
    if (cut && !/['"]/.test(cut[0])) {
      this.pos += cut[0].length;
      return { type: 'ellipsis' };
    }
    if ((c >= '0' && c <= '9') || c === '.') return this.number();
    if (c === '<') this.notLiteral();
    STRING_START.lastIndex = this.pos;
    if (STRING_START.test(this.text)) return this.strings();
    IDENTIFIER.lastIndex = this.pos;
    const name = IDENTIFIER.exec(this.text)?.[0];
    if (name !== undefined) {
      const known = NAMES.get(name);
      if (known) {
        this.pos += name.length;
        return known;
      }
      if (name === 'set' && /^set\(\s*\)/.test(this.text.slice(this.pos, this.pos + 16))) {
        this.pos = this.text.indexOf(')', this.pos) + 1;
        return { type: 'set', items: [] };
      }
      this.notLiteral();
    }
    return this.fail('syntax', `unexpected ${JSON.stringify(c)}`);
  }

  /** A call or an object's repr: named in the error, up to its closing bracket. */
  private notLiteral(): never {
    const start = this.pos;
    const open = this.text[start] === '<' ? '<' : '(';
    const close = open === '<' ? '>' : ')';
    let i = start;
    while (i < this.text.length && this.text[i] !== open) i++;
    let level = 0;
    for (; i < this.text.length; i++) {
      if (this.text[i] === open) level++;
      else if (this.text[i] === close && --level === 0) break;
    }
    const shown = this.text.slice(start, Math.min(i + 1, start + 60)) + (i + 1 - start > 60 ? '…' : '');
    return this.fail('not_literal', `${shown} is not a literal`, start);
  }

  private container(depth: number): PyLiteral {
    const start = this.pos;
    if (depth >= this.o.maxDepth) this.fail('too_deep', `containers nest deeper than ${this.o.maxDepth}`);
    const open = this.text[this.pos++]!;
    const close = open === '(' ? ')' : open === '[' ? ']' : '}';
    const items: PyLiteral[] = [];
    const entries: Array<[PyLiteral, PyLiteral]> = [];
    let isDict = false;
    let trailingComma = false;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        break;
      }
      const item = this.value(depth + 1);
      this.skipSpace();
      if (open === '{' && (entries.length > 0 || (items.length === 0 && this.text[this.pos] === ':'))) {
        isDict = true;
        if (item.type === 'ellipsis' && this.text[this.pos] !== ':') {
          // Where Celery's repr cut the dict.
          entries.push([item, item]);
        } else {
          if (this.text[this.pos] !== ':') this.fail('syntax', "a dict's key has no ':'");
          this.pos++;
          if (item.type === 'list' || item.type === 'dict' || item.type === 'set') this.fail('syntax', `a ${item.type} cannot be a dict key`, start);
          entries.push([item, this.value(depth + 1)]);
          this.skipSpace();
        }
      } else {
        items.push(item);
      }
      // saferepr drops the closing brackets when its cut falls on one: `('a', 'b...', ...`.
      if (this.pos >= this.text.length && item.type === 'ellipsis' && this.o.dialect === 'saferepr') break;
      trailingComma = this.text[this.pos] === ',';
      if (trailingComma) this.pos++;
      else if (this.text[this.pos] !== close) this.fail('syntax', `expected ',' or '${close}'`);
    }
    if (open === '[') return { type: 'list', items };
    if (open === '{') return isDict ? { type: 'dict', entries } : items.length === 0 ? { type: 'dict', entries: [] } : { type: 'set', items };
    // `(x)` is x in brackets; `(x,)` and `()` are tuples.
    return items.length === 1 && !trailingComma ? items[0]! : { type: 'tuple', items };
  }

  /** Unary + and -, which literal_eval takes on a number only (inf and nan as repr prints them). */
  private signed(): PyLiteral {
    const negative = this.text[this.pos++] === '-';
    this.skipSpace();
    const at = this.pos;
    let v: PyLiteral | undefined;
    const c = this.text[at];
    if (c !== undefined && ((c >= '0' && c <= '9') || c === '.')) v = this.number();
    else if (/^(?:inf|nan)(?!\w)/.test(this.text.slice(at, at + 4))) {
      v = NAMES.get(this.text.slice(at, at + 3));
      this.pos += 3;
    }
    if (v?.type === 'int') return { type: 'int', value: negative ? -v.value : v.value };
    if (v?.type === 'float') return { type: 'float', value: negative ? -v.value : v.value };
    return this.fail('syntax', 'a sign before something other than a number', at);
  }

  private number(): PyLiteral {
    const start = this.pos;
    INT.lastIndex = start;
    let m = INT.exec(this.text);
    let literal: PyLiteral;
    if (m) {
      literal = { type: 'int', value: BigInt(m[0].replace(/_/g, '')) };
    } else {
      DECIMAL.lastIndex = start;
      m = DECIMAL.exec(this.text);
      if (!m) return this.fail('syntax', 'a malformed number');
      const digits = m[0].replace(/_/g, '');
      if (/^\d+$/.test(digits)) {
        if (/^0+[1-9]/.test(digits)) this.fail('syntax', 'a decimal integer with leading zeros');
        literal = { type: 'int', value: BigInt(digits) };
      } else {
        literal = { type: 'float', value: Number(digits) };
      }
    }
    this.pos = start + m[0].length;
    const next = this.text[this.pos];
    if (next === 'j' || next === 'J') this.fail('unsupported', 'a complex number has no JSON form', start);
    if (next !== undefined && /[\w.]/.test(next)) this.fail('syntax', 'a malformed number', start);
    return literal;
  }

  /** One string or bytes literal, or several side by side (implicitly concatenated). */
  private strings(): PyLiteral {
    const start = this.pos;
    const parts: PyLiteral[] = [];
    for (;;) {
      parts.push(this.o.dialect === 'saferepr' ? this.safereprString() : this.pythonString());
      this.skipSpace();
      STRING_START.lastIndex = this.pos;
      if (!STRING_START.test(this.text)) break;
    }
    if (parts.length === 1) return parts[0]!;
    if (parts.every((p) => p.type === 'str')) return { type: 'str', value: parts.map((p) => (p as { value: string }).value).join('') };
    if (parts.every((p) => p.type === 'bytes')) {
      const bytes = parts.map((p) => (p as { value: Uint8Array }).value);
      const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const b of bytes) out.set(b, (at += b.length) - b.length);
      return { type: 'bytes', value: out };
    }
    return this.fail('syntax', 'bytes and a string side by side', start);
  }

  private pythonString(): PyLiteral {
    const start = this.pos;
    STRING_START.lastIndex = start;
    const [whole, rawPrefix, quote] = STRING_START.exec(this.text)!;
    const prefix = rawPrefix!.toLowerCase();
    if (prefix.includes('f')) this.fail('unsupported', 'an f-string is an expression, not a literal');
    if (!['', 'r', 'u', 'b', 'br', 'rb'].includes(prefix)) this.fail('syntax', `the string prefix ${rawPrefix}`);
    const raw = prefix.includes('r');
    const bytes = prefix.includes('b');
    const triple = quote!.length === 3;
    this.pos += whole.length;
    const units: number[] = [];
    let text = '';
    const put = (code: number): void => {
      if (bytes) units.push(code);
      else text += String.fromCodePoint(code);
    };
    for (;;) {
      if (this.pos >= this.text.length) this.fail('syntax', 'a string is not closed', start);
      if (this.text.startsWith(quote!, this.pos)) {
        this.pos += quote!.length;
        break;
      }
      const ch = this.text[this.pos]!;
      if (ch === '\n' && !triple) this.fail('syntax', 'a line break in a one-line string');
      if (ch !== '\\') {
        const code = this.text.codePointAt(this.pos)!;
        if (bytes && code > 127) this.fail('syntax', 'a non-ASCII character in bytes');
        put(code);
        this.pos += code > 0xffff ? 2 : 1;
        continue;
      }
      const next = this.text[this.pos + 1];
      if (next === undefined) this.fail('syntax', 'a string is not closed', start);
      if (raw) {
        // A raw string keeps its backslashes; one still stops the next quote from closing it.
        put(92);
        put(next.codePointAt(0)!);
        this.pos += 2;
        continue;
      }
      this.pos += 2;
      if (next === '\n') continue;
      if (next in SIMPLE_ESCAPES) put(SIMPLE_ESCAPES[next]!);
      else if (next >= '0' && next <= '7') {
        const m = /^[0-7]{1,3}/.exec(this.text.slice(this.pos - 1, this.pos + 2))![0];
        const code = parseInt(m, 8);
        if (bytes && code > 255) this.fail('syntax', 'an octal escape over 0o377 in bytes');
        put(code);
        this.pos += m.length - 1;
      } else if (next === 'x') put(this.hexEscape(2));
      else if (!bytes && next === 'u') put(this.hexEscape(4));
      else if (!bytes && next === 'U') {
        const code = this.hexEscape(8);
        if (code > 0x10ffff) this.fail('syntax', 'a \\U escape beyond U+10FFFF');
        put(code);
      } else if (!bytes && next === 'N') this.fail('unsupported', 'a \\N{name} escape (names are not looked up)');
      else {
        // Python keeps an unknown escape as it is written.
        put(92);
        this.pos -= 1;
      }
    }
    return bytes ? { type: 'bytes', value: Uint8Array.from(units) } : { type: 'str', value: text };
  }

  private hexEscape(n: number): number {
    const digits = this.text.slice(this.pos, this.pos + n);
    if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) this.fail('syntax', `a \\${this.text[this.pos - 1]} escape needs ${n} hex digits`, this.pos - 2);
    this.pos += n;
    return parseInt(digits, 16);
  }

  /** Celery's saferepr string: `'...'` with `\'` its only escape, everything else raw. */
  private safereprString(): PyLiteral {
    const start = this.pos;
    STRING_START.lastIndex = start;
    const [whole, prefix, quote] = STRING_START.exec(this.text)!;
    if (prefix!.toLowerCase() === 'b') this.fail('ambiguous', "bytes, which Celery's repr prints unescaped (or as hex)");
    if (prefix !== '' || quote !== "'") this.fail('syntax', "a string not in Celery's form ('...')");
    this.pos += whole.length;
    let text = '';
    for (;;) {
      const i = this.text.indexOf("'", this.pos);
      const slash = this.text.indexOf('\\', this.pos);
      if (i < 0) this.fail('syntax', 'a string is not closed', start);
      if (slash >= 0 && slash < i) {
        if (slash + 1 !== i) this.fail('ambiguous', "a backslash, which Celery's repr does not escape (was it one, or an escape?)", slash);
        text += `${this.text.slice(this.pos, slash)}'`;
        this.pos = i + 1;
        continue;
      }
      text += this.text.slice(this.pos, i);
      this.pos = i + 1;
      break;
    }
    return { type: 'str', value: text };
  }
}

/** A JSON value, as kombu's json serializer sent the Python value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The JSON value a literal was sent as: tuples as lists, a dict's int, float, bool and None keys
 * as the strings Python's json writes. Bytes and sets have no JSON form, nor inf and nan here,
 * nor an int JavaScript cannot hold and write exactly.
 * @throws PythonLiteralError ('unsupported'; 'syntax' for `...`, which is no value)
 */
export function literalToJson(v: PyLiteral, where = 'the value'): JsonValue {
  switch (v.type) {
    case 'none': return null;
    case 'bool': return v.value;
    case 'str': return v.value;
    case 'int':
      // Sent as a JS number, it must be written back as the same digits (not rounded, nor with an exponent: a float to Python).
      if (String(Number(v.value)) !== v.value.toString()) {
        throw new PythonLiteralError('unsupported', `${where} is the integer ${v.value}, which JSON here cannot carry exactly`, 0);
      }
      return Number(v.value);
    case 'float':
      if (!Number.isFinite(v.value)) throw new PythonLiteralError('unsupported', `${where} is ${v.value}, which has no JSON form`, 0);
      return v.value;
    case 'list':
    case 'tuple': return v.items.map((item, i) => literalToJson(item, `${where}[${i}]`));
    case 'dict': {
      const out: { [key: string]: JsonValue } = {};
      for (const [k, value] of v.entries) {
        const key = jsonKey(k, where);
        // Defined, not assigned: a key named __proto__ is data, as JSON.parse makes it.
        Object.defineProperty(out, key, { value: literalToJson(value, `${where}[${JSON.stringify(key)}]`), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'bytes':
    case 'set': throw new PythonLiteralError('unsupported', `${where} is ${v.type === 'set' ? 'a set' : 'bytes'}, which has no JSON form`, 0);
    case 'ellipsis': throw new PythonLiteralError('syntax', `${where} is '...', no value`, 0);
  }
}

/** A dict key as Python's json.dumps writes it. */
function jsonKey(k: PyLiteral, where: string): string {
  switch (k.type) {
    case 'str': return k.value;
    case 'int': return k.value.toString();
    case 'float': return Number.isInteger(k.value) ? k.value.toFixed(1) : String(k.value);
    case 'bool': return k.value ? 'true' : 'false';
    case 'none': return 'null';
    default: throw new PythonLiteralError('unsupported', `${where} has a ${k.type} key, which JSON cannot carry`, 0);
  }
}
