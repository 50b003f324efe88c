import type { KombuEnvelope, TaskMessage } from './types.js';

/**
 * TaskMessage -> the envelope object kombu LPUSHes, field for field as Celery 5.2 writes it
 * (REFERENCE.md §1; key order matches the captures so a diff against Python's is readable).
 */
export function toEnvelope(msg: TaskMessage): KombuEnvelope {
  const body = Buffer.from(JSON.stringify([msg.args, msg.kwargs, msg.embed]), 'utf8').toString('base64');
  const headers: Record<string, unknown> = {
    lang: msg.lang,
    task: msg.task,
    id: msg.id,
    shadow: msg.shadow,
    eta: msg.eta,
    expires: msg.expires,
    group: msg.group,
    group_index: msg.groupIndex,
    retries: msg.retries,
    timelimit: msg.timelimit,
    root_id: msg.rootId,
    parent_id: msg.parentId,
    argsrepr: msg.argsrepr,
    kwargsrepr: msg.kwargsrepr,
    origin: msg.origin,
    ignore_result: msg.ignoreResult,
    ...msg.extraHeaders,
  };
  const deliveryInfo: KombuEnvelope['properties']['delivery_info'] = {
    exchange: msg.exchange,
    routing_key: msg.routingKey,
  };
  if (msg.redelivered) {
    headers.redelivered = true;
    deliveryInfo.redelivered = true;
  }
  return {
    body,
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers,
    properties: {
      correlation_id: msg.id,
      reply_to: msg.replyTo,
      ...msg.extraProperties,
      delivery_mode: msg.deliveryMode,
      delivery_info: deliveryInfo,
      priority: msg.priority,
      body_encoding: 'base64',
      delivery_tag: msg.deliveryTag,
    },
  };
}

/** TaskMessage -> the exact string stored on the Redis list. */
export function encodeTaskMessage(msg: TaskMessage): string {
  return JSON.stringify(toEnvelope(msg));
}
