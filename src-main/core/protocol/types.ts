import type { SerializerName } from './serializers.js';

/**
 * Typed view of one Celery task message (protocol v2) as kombu stores it on a Redis list.
 * Field meanings: Celery's app/amqp.py (`as_task_v2`) and its Message Protocol docs.
 */

/** Workflow parts carried in the body's third element. Opaque to Celeriac for now. */
export interface Embed {
  callbacks: unknown[] | null;
  errbacks: unknown[] | null;
  chain: unknown[] | null;
  chord: unknown | null;
}

export interface TaskMessage {
  /** Task id (uuid4 by convention), also `correlation_id`. */
  id: string;
  /** Registered task name, e.g. `tasks.add`. */
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  embed: Embed;
  /** Exchange the message was published to; Celery uses the anonymous exchange `""`. */
  exchange: string;
  /** Routing key; with the anonymous exchange, the queue name. */
  routingKey: string;
  /** 0-9 as requested (the list is chosen by step); on Redis 0 is served first. */
  priority: number;
  /** Earliest run time, ISO 8601 with offset, or null. */
  eta: string | null;
  /** Discard after this time, ISO 8601 with offset, or null. */
  expires: string | null;
  retries: number;
  rootId: string;
  parentId: string | null;
  group: string | null;
  groupIndex: number | null;
  shadow: string | null;
  /** `[hard, soft]` time limits in seconds, per message. */
  timelimit: [number | null, number | null];
  argsrepr: string;
  kwargsrepr: string;
  /** Producer node name, `gen<pid>@<host>`. */
  origin: string;
  ignoreResult: boolean;
  /** `py` from Python, `js` from Celeriac; informational. */
  lang: string;
  replyTo: string;
  /** The key in `unacked`; kept across redeliveries. */
  deliveryTag: string;
  /** 2 = persistent (tasks). */
  deliveryMode: number;
  /** Set once a message was restored after a lost claim. */
  redelivered: boolean;
  /** Headers we do not model (Celery >= 5.3 stamps, etc.), kept so re-sending loses nothing. */
  extraHeaders: Record<string, unknown>;
  /** Properties we do not model, kept for the same reason. */
  extraProperties: Record<string, unknown>;
  /** How the body is serialized (the envelope's content-type). @default 'json' */
  serializer?: SerializerName;
  /** kombu's `compression` header: the compressor's content type, e.g. `application/x-gzip`. */
  compression?: string | null;
}

/** The outer JSON object kombu LPUSHes (body is base64 of the JSON `[args, kwargs, embed]`). */
export interface KombuEnvelope {
  body: string;
  'content-encoding': string;
  'content-type': string;
  headers: Record<string, unknown>;
  properties: Record<string, unknown> & {
    delivery_info: { exchange: string; routing_key: string; redelivered?: boolean };
  };
}

export const EMPTY_EMBED: Embed = Object.freeze({
  callbacks: null,
  errbacks: null,
  chain: null,
  chord: null,
});

/** Headers TaskMessage models; anything else travels in `extraHeaders`. */
export const KNOWN_HEADERS: ReadonlySet<string> = new Set([
  'lang', 'task', 'id', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries', 'timelimit',
  'root_id', 'parent_id', 'argsrepr', 'kwargsrepr', 'origin', 'ignore_result', 'redelivered', 'compression',
]);

/** Properties TaskMessage models; anything else travels in `extraProperties`. */
export const KNOWN_PROPERTIES: ReadonlySet<string> = new Set([
  'correlation_id', 'reply_to', 'delivery_mode', 'delivery_info', 'priority', 'body_encoding', 'delivery_tag',
]);
