import { MessageDecodeError, type DecodeErrorReason } from '../errors.js';
import { jsonNestsDeeper, MAX_MESSAGE_BYTES, MAX_NESTING } from './limits.js';
import { EMPTY_EMBED, KNOWN_HEADERS, KNOWN_PROPERTIES, type Embed, type TaskMessage } from './types.js';

/** The outcome of decoding: never throws, so a consumer can dead-letter with the reason. */
export type DecodeResult = { ok: true; message: TaskMessage } | { ok: false; error: MessageDecodeError };

class Fail {
  constructor(readonly reason: DecodeErrorReason, readonly field: string, readonly detail: string) {}
}

/**
 * The string on a Redis list -> TaskMessage, or the precise reason it is not a Celery v2 task
 * message. Pickle and other non-JSON content types are refused by name, never deserialized.
 */
export function decodeTaskMessage(raw: string | Buffer): DecodeResult {
  try {
    return { ok: true, message: decodeOrFail(typeof raw === 'string' ? raw : raw.toString('utf8')) };
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
    const id = isObject(v) && isObject(v.headers) ? v.headers.id : undefined;
    return typeof id === 'string' && id !== '' && id.length <= 256 ? id : null;
  } catch {
    return null;
  }
}

function decodeOrFail(raw: string): TaskMessage {
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

  const contentType = env['content-type'];
  if (contentType !== 'application/json') {
    const what = contentType === undefined ? 'missing' : JSON.stringify(contentType);
    throw new Fail('unsupported_content_type', 'content-type', `is ${what}; only application/json is accepted (pickle is never deserialized)`);
  }
  const headers = env.headers;
  if (!isObject(headers)) throw new Fail('invalid_headers', 'headers', `must be an object, got ${describe(headers)}`);
  const props = env.properties;
  if (!isObject(props)) throw new Fail('invalid_properties', 'properties', `must be an object, got ${describe(props)}`);

  const { args, kwargs, embed } = decodeBody(env.body, props.body_encoding);
  const info = props.delivery_info;
  if (!isObject(info)) throw new Fail('invalid_properties', 'properties.delivery_info', `must be an object, got ${describe(info)}`);

  const id = requireString(headers, 'id', 'headers', 'invalid_headers');
  return {
    id,
    task: requireString(headers, 'task', 'headers', 'invalid_headers'),
    args,
    kwargs,
    embed,
    exchange: requireString(info, 'exchange', 'properties.delivery_info', 'invalid_properties', true),
    routingKey: requireString(info, 'routing_key', 'properties.delivery_info', 'invalid_properties'),
    priority: clampPriority(props.priority),
    eta: optionalString(headers, 'eta'),
    expires: optionalString(headers, 'expires'),
    retries: optionalInt(headers, 'retries', 'headers') ?? 0,
    rootId: optionalString(headers, 'root_id') ?? id,
    parentId: optionalString(headers, 'parent_id'),
    group: optionalString(headers, 'group'),
    groupIndex: optionalInt(headers, 'group_index', 'headers'),
    shadow: optionalString(headers, 'shadow'),
    timelimit: decodeTimelimit(headers.timelimit),
    argsrepr: typeof headers.argsrepr === 'string' ? headers.argsrepr : '',
    kwargsrepr: typeof headers.kwargsrepr === 'string' ? headers.kwargsrepr : '',
    origin: typeof headers.origin === 'string' ? headers.origin : '',
    ignoreResult: headers.ignore_result === true,
    lang: typeof headers.lang === 'string' ? headers.lang : 'py',
    replyTo: typeof props.reply_to === 'string' ? props.reply_to : '',
    deliveryTag: typeof props.delivery_tag === 'string' ? props.delivery_tag : '',
    deliveryMode: typeof props.delivery_mode === 'number' ? props.delivery_mode : 2,
    redelivered: headers.redelivered === true || info.redelivered === true,
    extraHeaders: pickUnknown(headers, KNOWN_HEADERS),
    extraProperties: pickUnknown(props, KNOWN_PROPERTIES),
  };
}

function decodeBody(body: unknown, encoding: unknown): { args: unknown[]; kwargs: Record<string, unknown>; embed: Embed } {
  let text: string;
  if (encoding === 'base64') {
    if (typeof body !== 'string' || !/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(body)) {
      throw new Fail('body_not_decodable', 'body', 'is not base64 text although properties.body_encoding is "base64"');
    }
    text = Buffer.from(body, 'base64').toString('utf8');
  } else if (encoding === undefined || encoding === null) {
    // kombu accepts a raw body when no encoding is given.
    if (typeof body !== 'string') {
      if (Array.isArray(body)) return checkBodyShape(body);
      throw new Fail('body_not_decodable', 'body', `must be a string, got ${describe(body)}`);
    }
    text = body;
  } else {
    throw new Fail('unsupported_body_encoding', 'properties.body_encoding', `is ${JSON.stringify(encoding)}; only "base64" is supported`);
  }
  if (jsonNestsDeeper(text, MAX_NESTING + 1)) throw new Fail('too_deep', 'body', `args or kwargs nest deeper than ${MAX_NESTING} levels`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Fail('body_not_decodable', 'body', `does not decode to JSON (${(err as Error).message}); NaN and Infinity are not JSON`);
  }
  if (isObject(parsed) && ('args' in parsed || 'kwargs' in parsed || 'task' in parsed)) {
    throw new Fail('protocol_v1_body', 'body', 'is a task protocol 1 dict; send with task_protocol=2 (the Celery default since 4.0)');
  }
  return checkBodyShape(parsed);
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
