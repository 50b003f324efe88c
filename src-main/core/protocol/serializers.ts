/**
 * kombu's serializers, by name and by content type: json, msgpack and yaml, written and read as
 * kombu 5.2 does (kombu's serialization.py). Pickle is known by name only, to be refused: it is never
 * deserialized.
 */
import { Packr, Unpackr } from 'msgpackr';
import { parseDocument, stringify as yamlStringify } from 'yaml';
import { ConfigurationError } from '../errors.js';
import { MAX_NESTING, valueNestsDeeper } from './limits.js';

export type SerializerName = 'json' | 'msgpack' | 'yaml';

export interface Serializer {
  name: SerializerName;
  /** The envelope's `content-type`. */
  contentType: string;
  /** The envelope's `content-encoding`, as kombu writes it for this serializer. */
  contentEncoding: string;
}

export const SERIALIZERS: Readonly<Record<SerializerName, Serializer>> = Object.freeze({
  json: { name: 'json', contentType: 'application/json', contentEncoding: 'utf-8' },
  msgpack: { name: 'msgpack', contentType: 'application/x-msgpack', contentEncoding: 'binary' },
  yaml: { name: 'yaml', contentType: 'application/x-yaml', contentEncoding: 'utf-8' },
});

export const PICKLE_CONTENT_TYPE = 'application/x-python-serialize';

/** Why a body or a stored value could not be read. */
export class DeserializeError extends Error {}

const byContentType = new Map<string, Serializer>(Object.values(SERIALIZERS).map((s) => [s.contentType, s]));

/** The serializer of a content type, or undefined for one kombu does not know (or pickle). */
export function serializerForContentType(contentType: string): Serializer | undefined {
  return byContentType.get(contentType);
}

/**
 * A serializer named as Celery's settings name it (`'msgpack'`) or by its content type.
 * @throws ConfigurationError for pickle and for names kombu does not have
 */
export function resolveSerializer(nameOrType: string, what = 'serializer'): Serializer {
  const found = (SERIALIZERS as Record<string, Serializer | undefined>)[nameOrType] ?? byContentType.get(nameOrType);
  if (found) return found;
  if (nameOrType === 'pickle' || nameOrType === PICKLE_CONTENT_TYPE) {
    throw new ConfigurationError(`${what} pickle is not supported: unpickling runs code the sender chose; use json, msgpack or yaml`);
  }
  throw new ConfigurationError(`${what} ${JSON.stringify(nameOrType)} is not one of json, msgpack, yaml (or their content types)`);
}

/**
 * The content types an `accept` list allows (Celery's accept_content takes names and content
 * types alike).
 * @throws ConfigurationError for pickle and unknown names
 */
export function acceptedContentTypes(accept: readonly string[]): ReadonlySet<string> {
  return new Set(accept.map((a) => resolveSerializer(a, 'accept').contentType));
}

// kombu's msgpack: packb(use_bin_type=True), unpackb(raw=False). Plain maps and arrays only
// (msgpackr's records extension would be unreadable to Python); integers beyond 2^53 come back
// as BigInt so that they can be refused by name rather than rounded.
const packr = new Packr({ useRecords: false, variableMapSize: true, moreTypes: false, encodeUndefinedAsNil: true, largeBigIntToString: false });
// 'auto' (a number when exact, else BigInt) is in msgpackr's code but not its typings.
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'bigint' });

// PyYAML's safe_load is YAML 1.1 (yes/no booleans, timestamps); no tags beyond its own resolve.
const YAML_OPTIONS = { version: '1.1', maxAliasCount: 100, uniqueKeys: true } as const;

/** A value -> its bytes in a serializer. @throws Error when the value cannot be written */
export function serialize(serializer: Serializer, value: unknown): Buffer {
  switch (serializer.name) {
    case 'json':
      return Buffer.from(JSON.stringify(value), 'utf8');
    case 'msgpack':
      return packr.pack(value);
    case 'yaml':
      return Buffer.from(yamlStringify(value, YAML_OPTIONS), 'utf8');
  }
}

/**
 * Bytes -> a value, refusing what the rest of Celeriac could not hold: nesting past
 * MAX_NESTING, integers JavaScript cannot represent exactly, YAML tags other than the safe
 * schema's (PyYAML's `!!python/...`).
 * @throws DeserializeError
 */
export function deserialize(serializer: Serializer, bytes: Buffer): unknown {
  let value: unknown;
  try {
    value = decodeBytes(serializer, bytes);
  } catch (err) {
    if (err instanceof DeserializeError) throw err;
    // A RangeError here is a stack overflow on nesting no sender could have meant.
    throw new DeserializeError(`is not valid ${serializer.name} (${(err as Error).message})`);
  }
  if (valueNestsDeeper(value, MAX_NESTING)) throw new DeserializeError(`nests deeper than ${MAX_NESTING} levels`);
  if (serializer.name === 'msgpack') refuseBigInts(value);
  return value;
}

function decodeBytes(serializer: Serializer, bytes: Buffer): unknown {
  switch (serializer.name) {
    case 'json':
      return JSON.parse(bytes.toString('utf8'));
    case 'msgpack':
      return unpackr.unpack(bytes);
    case 'yaml': {
      const doc = parseDocument(bytes.toString('utf8'), YAML_OPTIONS);
      const problem = doc.errors[0] ?? doc.warnings[0];
      // An unknown tag (e.g. !!python/object/apply) is only a warning to the parser: refused here.
      if (problem) throw new DeserializeError(`is not safe YAML (${problem.message.split('\n')[0]})`);
      return doc.toJS({ maxAliasCount: 100 });
    }
  }
}

/** Integers past 2^53 arrive as BigInt: refused, since rounding them would change the task's input. */
function refuseBigInts(value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'bigint') {
      throw new DeserializeError(`holds the integer ${v}, beyond JavaScript's exact range (±2^53); send it as a string`);
    }
    if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push(child);
  }
}
