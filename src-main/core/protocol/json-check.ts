import { NotSerializableError } from '../errors.js';
import { MAX_NESTING } from './limits.js';

/**
 * Refuses, before anything is sent, values that JSON.stringify would drop or silently change
 * (functions, BigInt, symbols, NaN, Map/Set, typed arrays) and cycles, naming where they are.
 * Dates and objects with toJSON() are allowed: they become strings, as Python datetimes do.
 * @throws NotSerializableError
 */
export function assertJsonSerializable(value: unknown, path: string): void {
  // Fast path for the usual arguments, a flat list of scalars: no cycle bookkeeping needed.
  if (Array.isArray(value) && value.every(isPlainScalar)) return;
  try {
    check(value, path, new Set(), 0);
  } catch (err) {
    // A getter or toJSON deep inside can still overflow the stack: the same typed refusal.
    if (err instanceof RangeError) throw new NotSerializableError(path, `too deeply nested to encode (${err.message})`);
    throw err;
  }
}

function isPlainScalar(v: unknown): boolean {
  const t = typeof v;
  return t === 'string' || t === 'boolean' || v === null || (t === 'number' && Number.isFinite(v));
}

function check(value: unknown, path: string, ancestors: Set<object>, depth: number): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new NotSerializableError(path, `the number ${value}`);
      return;
    case 'bigint':
      throw new NotSerializableError(path, 'a BigInt (send it as a string or a number)');
    case 'function':
      throw new NotSerializableError(path, 'a function');
    case 'symbol':
      throw new NotSerializableError(path, 'a symbol');
    case 'undefined':
      // JSON turns undefined into null in arrays; at the top level or in an array that is a
      // silent change of meaning, so refuse it there. Object properties that are undefined are
      // simply absent, as JSON.stringify leaves them out.
      throw new NotSerializableError(path, 'undefined');
    case 'object':
      break;
  }
  if (value === null) return;
  const obj = value as object;
  // Before toJSON: a Buffer has one, which turns it into {type, data} silently.
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) {
    throw new NotSerializableError(path, 'binary data (bytes are not JSON; send base64 text or a file path)');
  }
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') return;
  if (obj instanceof Map || obj instanceof Set) {
    throw new NotSerializableError(path, `a ${obj.constructor.name} (convert it to an array or object)`);
  }
  // Past this, a Celery worker would dead-letter it (no Python client can even write it).
  if (depth >= MAX_NESTING) throw new NotSerializableError(path, `nested deeper than ${MAX_NESTING} levels`);
  if (ancestors.has(obj)) throw new NotSerializableError(path, 'a reference to one of its own parents (a cycle)');
  ancestors.add(obj);
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) check(obj[i], `${path}[${i}]`, ancestors, depth + 1);
  } else {
    for (const [k, v] of Object.entries(obj)) {
      if (v !== undefined) check(v, `${path}.${k}`, ancestors, depth + 1);
    }
  }
  ancestors.delete(obj);
}
