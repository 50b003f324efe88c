import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '../errors.js';
import { resolveCompression } from './compression.js';
import { assertJsonSerializable } from './json-check.js';
import { resolveSerializer } from './serializers.js';
import { argsRepr, kwargsRepr } from './pyrepr.js';
import { parseCeleryIso, toCeleryIso } from './time.js';
import { EMPTY_EMBED, KNOWN_HEADERS, type TaskMessage } from './types.js';
import { DEFAULT_QUEUE } from '../keys.js';

/** Per-call options of `applyAsync` / `sendTask`, as Celery's `apply_async` takes them. */
export interface SendOptions {
  /** Use this id instead of a fresh uuid4. */
  taskId?: string;
  /** Queue (routing key on the anonymous exchange). @default the task's queue, then taskRoutes, else the app's defaultQueue */
  queue?: string;
  /** 0-9; on Redis 0 is served first, 9 last (kombu's steps 0, 3, 6, 9). @default 0 */
  priority?: number;
  /**
   * A named exchange (Celery's `exchange`); with `routingKey` the message is delivered to the
   * queues bound to it with that key (`_kombu.binding.<exchange>`). @default '' (the anonymous exchange)
   */
  exchange?: string;
  /** Routing key on `exchange` (Celery's `routing_key`). @default the queue's name */
  routingKey?: string;
  /** The exchange's type, as kombu declares it. @default 'direct' */
  exchangeType?: 'direct' | 'topic' | 'fanout';
  /** Run no earlier than this many seconds from now (becomes `eta`). */
  countdown?: number;
  /** Run no earlier than this time. */
  eta?: Date | string;
  /** Discard the task if it has not started by then: seconds from now, or a time. */
  expires?: number | Date | string;
  /** Do not store the final state. @default the task's `ignoreResult`, else false */
  ignoreResult?: boolean;
  /** Hard time limit in seconds, carried in the message. */
  timeLimit?: number;
  /** Soft time limit in seconds, carried in the message. */
  softTimeLimit?: number;
  /** Retry counter; 0 for a first send. @default 0 */
  retries?: number;
  parentId?: string;
  rootId?: string;
  /** Group (batch) id, Celery's `group` header. */
  group?: string;
  groupIndex?: number;
  /** A name used only in logs. */
  shadow?: string;
  /** Extra headers, sent as they are (not the protocol's own, such as `task` or `eta`). */
  headers?: Record<string, unknown>;
  /** kombu serializer of the body: json, msgpack or yaml (or a content type). @default the app's taskSerializer, else json */
  serializer?: string;
  /** kombu compression of the body: gzip (= zlib) or brotli; bzip2, lzma and zstd are refused. @default the app's taskCompression, else none */
  compression?: string;
}

/** Who is sending: Celery puts these in `origin` and `reply_to`. */
export interface ProducerIdentity {
  /** `gen<pid>@<hostname>` */
  origin: string;
  /** The producing app's id (used only by the rpc:// backend). */
  replyTo: string;
}

/**
 * Builds the typed message for one call, refusing arguments that are not JSON before anything
 * is sent.
 * @throws NotSerializableError, ConfigurationError
 */
export function buildTaskMessage(
  task: string,
  args: readonly unknown[],
  kwargs: Record<string, unknown>,
  options: SendOptions,
  producer: ProducerIdentity,
  now: number = Date.now(),
  /** The caller already checked the name and arguments (the bulk path checks all calls first). */
  checked = false,
): TaskMessage {
  if (!checked) checkArguments(task, args, kwargs);

  const id = options.taskId ?? randomUUID();
  const extraProperties: Record<string, unknown> = {};
  let expires: string | null = null;
  if (options.expires !== undefined) {
    if (typeof options.expires === 'number') {
      if (!Number.isFinite(options.expires)) throw new ConfigurationError('expires must be a finite number of seconds');
      expires = toCeleryIso(new Date(now + options.expires * 1000));
      // Celery also writes the relative form, in ms as a string; the Redis transport ignores it.
      extraProperties.expiration = String(Math.round(options.expires * 1000));
    } else {
      expires = toCeleryIso(toDate(options.expires, 'expires'));
    }
  }
  return {
    id,
    task,
    args: args as unknown[],
    kwargs,
    embed: EMPTY_EMBED, // frozen: shared by every message that has no workflow
    exchange: options.exchange ?? '',
    routingKey: options.exchange ? (options.routingKey ?? options.queue ?? DEFAULT_QUEUE) : (options.queue ?? DEFAULT_QUEUE),
    priority: checkPriority(options.priority),
    eta: resolveEta(options, now),
    expires,
    retries: options.retries ?? 0,
    rootId: options.rootId ?? id,
    parentId: options.parentId ?? null,
    group: options.group ?? null,
    groupIndex: options.groupIndex ?? null,
    shadow: options.shadow ?? null,
    timelimit: [options.timeLimit ?? null, options.softTimeLimit ?? null],
    argsrepr: argsRepr(args),
    kwargsrepr: kwargsRepr(kwargs),
    origin: producer.origin,
    ignoreResult: options.ignoreResult ?? false,
    lang: 'js',
    replyTo: producer.replyTo,
    deliveryTag: randomUUID(),
    deliveryMode: 2,
    redelivered: false,
    extraHeaders: extraHeaders(options.headers),
    extraProperties,
    // Left unset when not given, so that an app or worker fills in its own (withWireFormat).
    serializer: options.serializer === undefined ? undefined : resolveSerializer(options.serializer).name,
    compression: options.compression === undefined ? undefined : options.compression ? resolveCompression(options.compression) : null,
  };
}

/**
 * The checks of a call's name and arguments, before anything is sent.
 * @throws NotSerializableError, ConfigurationError
 */
export function checkArguments(task: string, args: readonly unknown[], kwargs: Record<string, unknown>): void {
  if (typeof task !== 'string' || task === '') throw new ConfigurationError('a task name must be a non-empty string');
  if (!Array.isArray(args)) throw new ConfigurationError(`task ${task}: args must be an array`);
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) {
    throw new ConfigurationError(`task ${task}: kwargs must be a plain object`);
  }
  assertJsonSerializable(args, 'args');
  assertJsonSerializable(kwargs, 'kwargs');
}

/** Extra headers travel as they are, but may not stand in for the protocol's own. */
function extraHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!headers) return {};
  const clash = Object.keys(headers).find((k) => KNOWN_HEADERS.has(k));
  if (clash) throw new ConfigurationError(`headers.${clash} is a protocol header; set it through its own option instead`);
  assertJsonSerializable(headers, 'headers');
  return headers;
}

function resolveEta(options: SendOptions, now: number): string | null {
  if (options.countdown !== undefined && options.eta !== undefined) {
    throw new ConfigurationError('give either countdown or eta, not both');
  }
  if (options.countdown !== undefined) {
    if (!Number.isFinite(options.countdown)) throw new ConfigurationError('countdown must be a finite number of seconds');
    return toCeleryIso(new Date(now + options.countdown * 1000));
  }
  return options.eta === undefined ? null : toCeleryIso(toDate(options.eta, 'eta'));
}

function toDate(value: Date | string, what: string): Date {
  const ms = value instanceof Date ? value.getTime() : parseCeleryIso(value);
  if (ms === null || !Number.isFinite(ms)) {
    throw new ConfigurationError(`${what} must be a Date or an ISO 8601 time such as 2026-01-02T03:04:05Z, got ${String(value)}`);
  }
  return new Date(ms);
}

function checkPriority(priority: number | undefined): number {
  if (priority === undefined) return 0;
  if (!Number.isInteger(priority) || priority < 0 || priority > 9) {
    throw new ConfigurationError(`priority must be an integer from 0 to 9 (0 is served first on Redis), got ${priority}`);
  }
  return priority;
}
