import { MessageDecodeError, type DecodeErrorReason } from '../errors.js';
import { decompress, DecompressError, UnsupportedCompressionError } from './compression.js';
import { jsonNestsDeeper, MAX_MESSAGE_BYTES, MAX_NESTING } from './limits.js';
import { argsRepr, kwargsRepr } from './pyrepr.js';
import { deserialize, DeserializeError, PICKLE_CONTENT_TYPE, serializerForContentType, SERIALIZERS, type Serializer } from './serializers.js';
import { parseCeleryIso, toCeleryIso } from './time.js';
import { EMPTY_EMBED, KNOWN_HEADERS, KNOWN_PROPERTIES, type Embed, type TaskMessage } from './types.js';

/** The outcome of decoding: never throws, so a consumer can dead-letter with the reason. */
export type DecodeResult = { ok: true; message: TaskMessage } | { ok: false; error: MessageDecodeError };

class Fail {
  constructor(readonly reason: DecodeErrorReason, readonly field: string, readonly detail: string) {}
}

export interface DecodeOptions {
  /**
   * The content types a worker takes (Celery's accept_content); others are refused as Celery
   * refuses them (ContentDisallowed). @default every serializer Celeriac reads
   */
  accept?: ReadonlySet<string>;
}

/**
 * The string on a Redis list -> TaskMessage, or the precise reason it is not a Celery task
 * message. Reads protocol 2, protocol 1 (a dict body, as celery-node with TASK_PROTOCOL 1 and
 * Celery 3 send) and the hybrid of the two, as Celery 5's worker does; json, msgpack and yaml
 * bodies, compressed or not. Pickle is refused by name, never deserialized.
 */
export function decodeTaskMessage(raw: string | Buffer, options: DecodeOptions = {}): DecodeResult {
  try {
    return { ok: true, message: decodeOrFail(typeof raw === 'string' ? raw : raw.toString('utf8'), options) };
  } catch (err) {
    if (err instanceof Fail) return { ok: false, error: new MessageDecodeError(err.reason, err.field, err.detail) };
    // Anything else is a bug here, but a consumer must still get a typed error.
    return { ok: false, error: new MessageDecodeError('not_an_envelope', '', `unexpected decoder failure: ${String(err)}`) };
  }
}

/**
 * The task id of a message that did not decode (or of an `unacked` entry), if its envelope is
 * JSON with a string `headers.id`; null otherwise. For telling the caller why it will not run.
 */
export function peekTaskId(raw: string): string | null {
  if (raw.length > MAX_MESSAGE_BYTES) return null;
  try {
    let v: unknown = JSON.parse(raw);
    if (Array.isArray(v)) v = v[0]; // an unacked entry: [envelope, exchange, routing_key]
    if (!isObject(v)) return null;
    // Protocol 2 has it in the headers; protocol 1 clients only in the body and correlation_id.
    const props = isObject(v.properties) ? v.properties : {};
    const id = (isObject(v.headers) ? v.headers.id : undefined) ?? props.correlation_id ?? props.correlationId;
    return typeof id === 'string' && id !== '' && id.length <= 256 ? id : null;
  } catch {
    return null;
  }
}

function decodeOrFail(raw: string, options: DecodeOptions): TaskMessage {
  if (raw.length > MAX_MESSAGE_BYTES) throw new Fail('too_large', '', `the message is ${raw.length} bytes; the limit is ${MAX_MESSAGE_BYTES}`);
  // (+2: the envelope and its headers object; +1 below: the body's own list.)
  // JSON.parse does not recurse, but everything after it (encoding the job for a pool child,
  // storing the result, repr) does: what nests too deep stops here, with its reason.
  if (jsonNestsDeeper(raw, MAX_NESTING + 2)) throw new Fail('too_deep', '', `the message nests deeper than ${MAX_NESTING} levels`);
  let env: unknown;
  try {
    env = JSON.parse(raw);
  } catch (err) {
    throw new Fail('not_json', '', `the message is not JSON (${(err as Error).message})`);
  }
  if (!isObject(env)) throw new Fail('not_an_envelope', '', `the message is JSON ${describe(env)}, not a kombu envelope object`);

  const serializer = contentSerializer(env['content-type'], options.accept);
  // Protocol 1 clients send `{}`; kombu reads a missing headers object as none.
  const headers = env.headers ?? {};
  if (!isObject(headers)) throw new Fail('invalid_headers', 'headers', `must be an object, got ${describe(headers)}`);
  const props = env.properties;
  if (!isObject(props)) throw new Fail('invalid_properties', 'properties', `must be an object, got ${describe(props)}`);
  const info = props.delivery_info;
  if (!isObject(info)) throw new Fail('invalid_properties', 'properties.delivery_info', `must be an object, got ${describe(info)}`);

  const compression = typeof headers.compression === 'string' ? headers.compression : null;
  const body = decodeBody(env.body, props.body_encoding, serializer, compression);
  const { fields, args, kwargs, embed, extraHeaders } = toProtocol2(body, headers);

  const id = requireString(fields, 'id', fields === headers ? 'headers' : 'body', fields === headers ? 'invalid_headers' : 'invalid_body');
  const where = fields === headers ? 'headers' : 'body';
  const v1 = fields !== headers;
  // Protocol 1's `utc: false` means eta and expires are naive local times (Celery's default is true).
  const local = v1 && fields.utc === false;
  const message: TaskMessage = {
    id,
    task: requireString(fields, 'task', where, v1 ? 'invalid_body' : 'invalid_headers'),
    args,
    kwargs,
    embed,
    exchange: requireString(info, 'exchange', 'properties.delivery_info', 'invalid_properties', true),
    routingKey: requireString(info, 'routing_key', 'properties.delivery_info', 'invalid_properties'),
    priority: clampPriority(props.priority),
    eta: optionalTime(fields, 'eta', local),
    expires: optionalTime(fields, 'expires', local),
    retries: optionalInt(fields, 'retries', where) ?? 0,
    rootId: optionalString(fields, 'root_id') ?? id,
    parentId: optionalString(fields, 'parent_id'),
    group: optionalString(fields, 'group') ?? (v1 ? optionalString(fields, 'taskset') : null),
    groupIndex: optionalInt(fields, 'group_index', where),
    shadow: optionalString(fields, 'shadow'),
    timelimit: decodeTimelimit(fields.timelimit),
    argsrepr: typeof fields.argsrepr === 'string' ? fields.argsrepr : v1 ? argsRepr(args) : '',
    kwargsrepr: typeof fields.kwargsrepr === 'string' ? fields.kwargsrepr : v1 ? kwargsRepr(kwargs) : '',
    origin: typeof fields.origin === 'string' ? fields.origin : '',
    ignoreResult: fields.ignore_result === true,
    lang: typeof fields.lang === 'string' ? fields.lang : 'py',
    // celery-node writes replyTo; Celery reads reply_to (and so misses it: an empty one is harmless).
    replyTo: typeof props.reply_to === 'string' ? props.reply_to : typeof props.replyTo === 'string' ? props.replyTo : '',
    deliveryTag: typeof props.delivery_tag === 'string' ? props.delivery_tag : '',
    deliveryMode: typeof props.delivery_mode === 'number' ? props.delivery_mode : 2,
    redelivered: headers.redelivered === true || info.redelivered === true,
    extraHeaders,
    extraProperties: pickUnknown(props, KNOWN_PROPERTIES),
  };
  // Only what differs from plain JSON is set, so a plain message decodes to what was built.
  if (serializer.name !== 'json') message.serializer = serializer.name;
  if (compression !== null) message.compression = compression;
  return message;
}

/** The serializer of the envelope's content type, if it is one Celeriac reads and the worker takes. */
function contentSerializer(contentType: unknown, accept: ReadonlySet<string> | undefined): Serializer {
  if (contentType === PICKLE_CONTENT_TYPE) {
    throw new Fail('unsupported_content_type', 'content-type', `is ${contentType}: pickle is never deserialized (unpickling runs code the sender chose); send json, msgpack or yaml`);
  }
  const serializer = typeof contentType === 'string' ? serializerForContentType(contentType) : undefined;
  if (!serializer) {
    const what = contentType === undefined ? 'missing' : JSON.stringify(contentType);
    throw new Fail('unsupported_content_type', 'content-type', `is ${what}; Celeriac reads application/json, application/x-msgpack and application/x-yaml`);
  }
  if (accept && !accept.has(serializer.contentType)) {
    // Celery's words (kombu.exceptions.ContentDisallowed), so a log search finds both.
    throw new Fail('content_disallowed', 'content-type', `Refusing to deserialize untrusted content of type ${serializer.name} (${serializer.contentType}): this worker accepts ${[...accept].join(', ')}`);
  }
  return serializer;
}

interface Protocol2 {
  /** Where the task's fields are read: the headers (protocol 2) or the body dict (protocol 1). */
  fields: Record<string, unknown>;
  args: unknown[];
  kwargs: Record<string, unknown>;
  embed: Embed;
  extraHeaders: Record<string, unknown>;
}

/**
 * Celery 5's worker reads three shapes (celery/worker/strategy.py): protocol 2 (`task` in the
 * headers, body `[args, kwargs, embed]`), protocol 1 (no `task` header, the body a dict holding
 * everything: proto1_to_proto2) and the hybrid (a `task` header and a dict body with `args`:
 * hybrid_to_proto2, the body's fields overlaid by the headers).
 */
function toProtocol2(body: unknown, headers: Record<string, unknown>): Protocol2 {
  if (!isObject(body)) {
    const { args, kwargs, embed } = checkBodyShape(body);
    return { fields: headers, args, kwargs, embed, extraHeaders: pickUnknown(headers, KNOWN_HEADERS) };
  }
  const hybrid = typeof headers.task === 'string';
  if (hybrid ? !('args' in body) : !('task' in body)) {
    throw new Fail('invalid_body', 'body', hybrid ? 'is a dict without args, neither [args, kwargs, embed] nor a protocol 1 body' : 'is a dict without task: not a protocol 1 body, and headers.task is missing');
  }
  const args = body.args ?? [];
  const kwargs = body.kwargs ?? {};
  if (!Array.isArray(args)) throw new Fail('invalid_body', 'body.args', `must be an array, got ${describe(args)}`);
  if (!isObject(kwargs)) throw new Fail('invalid_body', 'body.kwargs', `Task keyword arguments must be a mapping, got ${describe(kwargs)}`);
  const embed: Embed = { callbacks: listOrNull(body.callbacks), errbacks: listOrNull(body.errbacks), chain: null, chord: body.chord ?? null };
  // The hybrid's headers win over its body; protocol 1's headers are only custom ones.
  const fields = hybrid ? { ...body, ...headers } : body;
  return { fields, args, kwargs, embed, extraHeaders: pickUnknown(headers, KNOWN_HEADERS) };
}

function listOrNull(v: unknown): unknown[] | null {
  return Array.isArray(v) ? v : null;
}

function decodeBody(body: unknown, encoding: unknown, serializer: Serializer, compression: string | null): unknown {
  let bytes: Buffer;
  if (encoding === 'base64') {
    if (typeof body !== 'string' || !/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(body)) {
      throw new Fail('body_not_decodable', 'body', 'is not base64 text although properties.body_encoding is "base64"');
    }
    bytes = Buffer.from(body, 'base64');
  } else if (encoding === undefined || encoding === null) {
    // kombu accepts a raw body when no encoding is given.
    if (typeof body !== 'string') {
      if (Array.isArray(body) || (isObject(body) && compression === null)) return body;
      throw new Fail('body_not_decodable', 'body', `must be a string, got ${describe(body)}`);
    }
    bytes = Buffer.from(body, serializer.contentEncoding === 'binary' ? 'latin1' : 'utf8');
  } else {
    throw new Fail('unsupported_body_encoding', 'properties.body_encoding', `is ${JSON.stringify(encoding)}; only "base64" is supported`);
  }
  if (compression !== null) bytes = inflate(bytes, compression);
  if (serializer === SERIALIZERS.json) return parseJsonBody(bytes.toString('utf8'));
  try {
    return deserialize(serializer, bytes);
  } catch (err) {
    if (err instanceof DeserializeError) {
      const reason = err.message.startsWith('nests deeper') ? 'too_deep' : 'body_not_decodable';
      throw new Fail(reason, 'body', err.message);
    }
    throw err;
  }
}

function inflate(bytes: Buffer, compression: string): Buffer {
  try {
    return decompress(compression, bytes);
  } catch (err) {
    if (err instanceof UnsupportedCompressionError) throw new Fail('unsupported_compression', 'headers.compression', err.message);
    if (err instanceof DecompressError) throw new Fail('body_not_decodable', 'body', `compressed with ${compression}: ${err.message}`);
    throw err;
  }
}

function parseJsonBody(text: string): unknown {
  if (jsonNestsDeeper(text, MAX_NESTING + 1)) throw new Fail('too_deep', 'body', `args or kwargs nest deeper than ${MAX_NESTING} levels`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Fail('body_not_decodable', 'body', `does not decode to JSON (${(err as Error).message}); NaN and Infinity are not JSON`);
  }
}

/** An eta or expires: kept as sent, or, for a protocol 1 `utc: false` naive time, made aware. */
function optionalTime(obj: Record<string, unknown>, key: string, localNaive: boolean): string | null {
  const v = optionalString(obj, key);
  if (v === null || !localNaive || /(Z|[+-]\d{2}:?\d{2})$/i.test(v)) return v;
  const asUtc = parseCeleryIso(v);
  if (asUtc === null) return v;
  return toCeleryIso(new Date(asUtc + new Date(asUtc).getTimezoneOffset() * 60_000));
}

function checkBodyShape(parsed: unknown): { args: unknown[]; kwargs: Record<string, unknown>; embed: Embed } {
  if (!Array.isArray(parsed) || parsed.length < 2 || parsed.length > 3) {
    throw new Fail('invalid_body', 'body', `must be [args, kwargs, embed], got ${describe(parsed)}`);
  }
  const [args, kwargs, embed] = parsed as [unknown, unknown, unknown];
  if (!Array.isArray(args)) throw new Fail('invalid_body', 'body[0]', `args must be an array, got ${describe(args)}`);
  if (!isObject(kwargs)) throw new Fail('invalid_body', 'body[1]', `kwargs must be an object, got ${describe(kwargs)}`);
  if (embed !== undefined && embed !== null && !isObject(embed)) {
    throw new Fail('invalid_body', 'body[2]', `embed must be an object, got ${describe(embed)}`);
  }
  return { args, kwargs, embed: { ...EMPTY_EMBED, ...(embed as Partial<Embed> | undefined) } };
}

function decodeTimelimit(value: unknown): [number | null, number | null] {
  if (!Array.isArray(value)) return [null, null];
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return [num(value[0]), num(value[1])];
}

/** kombu clamps to 0..9; missing or invalid means 0. */
function clampPriority(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 0;
  return Math.min(9, Math.max(0, Math.trunc(value)));
}

function requireString(
  obj: Record<string, unknown>, key: string, where: string, reason: DecodeErrorReason, allowEmpty = false,
): string {
  const v = obj[key];
  if (typeof v !== 'string' || (!allowEmpty && v === '')) {
    throw new Fail(reason, `${where}.${key}`, `is required and must be a ${allowEmpty ? '' : 'non-empty '}string, got ${describe(v)}`);
  }
  return v;
}

function optionalString(obj: Record<string, unknown>, key: string): string | null {
  const v = obj[key];
  return typeof v === 'string' ? v : null;
}

function optionalInt(obj: Record<string, unknown>, key: string, where: string): number | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Fail('invalid_headers', `${where}.${key}`, `must be an integer, got ${describe(v)}`);
  return v;
}

function pickUnknown(obj: Record<string, unknown>, known: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // for-in over an object fresh from JSON.parse: its own keys, without Object.entries' arrays.
  for (const k in obj) if (!known.has(k)) out[k] = obj[k];
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
