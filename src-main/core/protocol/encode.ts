import { compress } from './compression.js';
import { scalarJson as j, utf8Base64 } from './fast-json.js';
import { serialize, SERIALIZERS } from './serializers.js';
import { EMPTY_EMBED, type Embed, type KombuEnvelope, type TaskMessage } from './types.js';

/**
 * TaskMessage -> the envelope object kombu LPUSHes, field for field as Celery 5.2 writes it
 * (Celery's app/amqp.py `as_task_v2`; key order matches the captures so a diff against Python's is readable).
 */
export function toEnvelope(msg: TaskMessage): KombuEnvelope {
  return JSON.parse(encodeTaskMessage(msg)) as KombuEnvelope;
}

const s = JSON.stringify;
const DEFAULT_EMBED_JSON = s(EMPTY_EMBED);

/**
 * TaskMessage -> the exact string stored on the Redis list.
 *
 * Written as concatenation rather than JSON.stringify of a nested object: the bulk path encodes
 * hundreds of thousands of messages a second, and this (with scalarJson) cuts the time and the
 * garbage several times over. The output is byte-identical to JSON.stringify of the envelope
 * (a property test holds it to that).
 */
export function encodeTaskMessage(msg: TaskMessage, body: string = encodeBody(msg)): string {
  const redelivered = msg.redelivered ? ',"redelivered":true' : '';
  const content = msg.serializer === undefined || msg.serializer === 'json' ? JSON_CONTENT : contentFields(msg.serializer);
  // kombu adds the header last, after the protocol's own and any the caller gave.
  const compression = msg.compression ? `,"compression":${j(msg.compression)}` : '';
  return (
    `{"body":"${body}",${content},"headers":{` +
    `"lang":${j(msg.lang)},"task":${j(msg.task)},"id":${j(msg.id)},"shadow":${j(msg.shadow)},` +
    `"eta":${j(msg.eta)},"expires":${j(msg.expires)},"group":${j(msg.group)},"group_index":${j(msg.groupIndex)},` +
    `"retries":${j(msg.retries)},"timelimit":[${j(msg.timelimit[0])},${j(msg.timelimit[1])}],"root_id":${j(msg.rootId)},"parent_id":${j(msg.parentId)},` +
    `"argsrepr":${j(msg.argsrepr)},"kwargsrepr":${j(msg.kwargsrepr)},"origin":${j(msg.origin)},` +
    `"ignore_result":${msg.ignoreResult ? 'true' : 'false'}${spread(msg.extraHeaders)}${compression}${redelivered}},` +
    `"properties":{"correlation_id":${j(msg.id)},"reply_to":${j(msg.replyTo)}${spread(msg.extraProperties)},` +
    `"delivery_mode":${j(msg.deliveryMode)},"delivery_info":{"exchange":${j(msg.exchange)},"routing_key":${j(msg.routingKey)}${redelivered}},` +
    `"priority":${j(msg.priority)},"body_encoding":"base64","delivery_tag":${j(msg.deliveryTag)}}}`
  );
}

const JSON_CONTENT = '"content-encoding":"utf-8","content-type":"application/json"';

function contentFields(name: keyof typeof SERIALIZERS): string {
  const { contentEncoding, contentType } = SERIALIZERS[name];
  return `"content-encoding":${j(contentEncoding)},"content-type":${j(contentType)}`;
}

/** Whether a message takes the plain JSON road (no other serializer, no compression). */
export function isPlainJson(msg: TaskMessage): boolean {
  return (msg.serializer === undefined || msg.serializer === 'json') && !msg.compression;
}

/**
 * The base64 body: `[args, kwargs, embed]` in the message's serializer, compressed when it
 * names a compression.
 * @throws Error when a value cannot be written in that serializer
 */
export function encodeBody(msg: TaskMessage): string {
  if (isPlainJson(msg)) {
    return utf8Base64(`[${s(msg.args)},${s(msg.kwargs)},${isDefaultEmbed(msg.embed) ? DEFAULT_EMBED_JSON : s(msg.embed)}]`);
  }
  let bytes = serialize(SERIALIZERS[msg.serializer ?? 'json'], [msg.args, msg.kwargs, msg.embed]);
  if (msg.compression) bytes = compress(msg.compression, bytes);
  return bytes.toString('base64');
}

/** `,"k":v,...` for the members of an object, or '' for an empty one. */
function spread(extra: Record<string, unknown>): string {
  for (const _ in extra) {
    const json = s(extra);
    return json.length > 2 ? `,${json.slice(1, -1)}` : '';
  }
  return '';
}

export function isDefaultEmbed(e: Embed): boolean {
  if (e === EMPTY_EMBED) return true;
  return e.callbacks === null && e.errbacks === null && e.chain === null && e.chord === null && Object.keys(e).length === 4;
}
