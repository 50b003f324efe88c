/**
 * The only place that builds Redis key and channel names.
 *
 * Wire-fixed names are written exactly as kombu 5.2 and Celery 5.2 write them (see kombu's
 * transport/redis.py and Celery's backends/redis.py), so Python workers, `celery inspect` and
 * Flower see the same keys we do. Celeriac's own keys live under `celeriac:`: indexes, and the
 * two places a message waits outside kombu's keys (the ETA schedule, and a worker's inbox for
 * an instant).
 */

/** kombu's separator between a queue name and its priority step, and inside binding members. */
export const SEP = '\x06\x16';

/** kombu's default priority steps; a message goes to the list of the largest step <= its priority. */
export const PRIORITY_STEPS = [0, 3, 6, 9] as const;

/** Celery's default queue name (`task_default_queue`). */
export const DEFAULT_QUEUE = 'celery';

/** kombu's ack-emulation keys (transport options `unacked_key` etc. at their defaults). */
export const UNACKED = 'unacked';
export const UNACKED_INDEX = 'unacked_index';
export const UNACKED_MUTEX = 'unacked_mutex';

/** Celery's Redis result backend prefixes. */
export const TASK_META_PREFIX = 'celery-task-meta-';
export const TASKSET_META_PREFIX = 'celery-taskset-meta-';

/** kombu's binding table prefix: one SET per exchange. */
export const BINDING_PREFIX = '_kombu.binding.';

/** Celeriac's own namespace. */
export const CELERIAC_PREFIX = 'celeriac:';

/**
 * The list that holds messages of `queue` with priority step `step` (0 = the bare queue name).
 * @param queue queue name
 * @param step one of PRIORITY_STEPS
 */
export function queueListKey(queue: string, step: number): string {
  return step === 0 ? queue : `${queue}${SEP}${step}`;
}

/** Every list of a queue in kombu's consumption order (step 0 first: on Redis 0 is served first). */
export function queueListKeys(queue: string): string[] {
  return PRIORITY_STEPS.map((step) => queueListKey(queue, step));
}

/** kombu's binding set of an exchange; Celery binds each queue on an exchange of the same name. */
export function bindingKey(exchange: string): string {
  return `${BINDING_PREFIX}${exchange}`;
}

/** A binding member: routing key, pattern and queue joined by SEP. */
export function bindingMember(routingKey: string, queue: string, pattern = ''): string {
  return `${routingKey}${SEP}${pattern}${SEP}${queue}`;
}

/** The result key of a task, which is also the pub/sub channel its updates are published on. */
export function taskMetaKey(taskId: string): string {
  return `${TASK_META_PREFIX}${taskId}`;
}

/** The saved result of a group. */
export function tasksetMetaKey(groupId: string): string {
  return `${TASKSET_META_PREFIX}${groupId}`;
}

/** Dead letters: messages no worker can run, newest first, each a JSON entry with the reason. */
export const DEAD_LETTERS = `${CELERIAC_PREFIX}dead`;
/** How many dead letters the list's cap has pushed out (oldest first), ever: so none goes silently. */
export const DEAD_LETTERS_DROPPED = `${CELERIAC_PREFIX}dead:dropped`;

/** ETA/countdown messages waiting for their time: delivery_tag scored by eta (unix ms)... */
export const SCHEDULE = `${CELERIAC_PREFIX}schedule`;
/** ...and their bodies: delivery_tag -> JSON [list key, raw message]. */
export const SCHEDULE_MESSAGES = `${CELERIAC_PREFIX}schedule:msgs`;

/** Workers' inboxes: inbox id -> JSON {seen: unix ms, lists: [...]}, refreshed while the worker lives. */
export const INBOXES = `${CELERIAC_PREFIX}inboxes`;

/**
 * Where a waiting worker's BLMOVE puts the message of `list` it woke for, until its claim
 * script takes it into `unacked` (an instant): the message is in Redis throughout, and already
 * this worker's, so it can start before the claim's reply comes back.
 */
export function inboxKey(inboxId: string, list: string): string {
  return `${CELERIAC_PREFIX}inbox:${inboxId}:${list}`;
}

/** Every list of the queues in kombu's consumption order: priority step first, then queue. */
export function consumptionOrder(queues: readonly string[]): string[] {
  return PRIORITY_STEPS.flatMap((step) => queues.map((q) => queueListKey(q, step)));
}

/** The queue a list key belongs to (kombu splits on the last separator). */
export function queueOfListKey(key: string): string {
  const i = key.lastIndexOf(SEP);
  return i === -1 ? key : key.slice(0, i);
}

/** Task records for listing and retrying: task id -> record JSON (an index, never the truth of delivery). */
export const RECORDS = `${CELERIAC_PREFIX}records`;
/** Task ids scored by the time the task was first seen (unix ms): the list's order, and its cap. */
export const RECORDS_INDEX = `${CELERIAC_PREFIX}records:index`;

/**
 * Pub/sub channel on which record writers announce the records they wrote: entries joined by
 * ',', each `id` or `id\x1fSTATE[\x1fGROUP]` (see announcement()).
 */
export const RECORDS_CHANGED = `${CELERIAC_PREFIX}records:changed`;

/** Batches (Celery groups made from files or rows) scored by creation time (unix ms). */
export const BATCHES = `${CELERIAC_PREFIX}batches`;

/** One batch's description (JSON). */
export function batchKey(batchId: string): string {
  return `${CELERIAC_PREFIX}batch:${batchId}`;
}

/** One batch's items in order (JSON entries: task id, input, output). */
export function batchItemsKey(batchId: string): string {
  return `${CELERIAC_PREFIX}batch:${batchId}:items`;
}

/** Every attempt of a task, oldest first (JSON entries); expires with the results. */
export function attemptsKey(taskId: string): string {
  return `${CELERIAC_PREFIX}attempts:${taskId}`;
}

/** Celery's event exchange; on Redis a fanout, i.e. PUBLISH on `/<db>.celeryev/<routing key>`. */
export const EVENT_EXCHANGE = 'celeryev';

/** The channel of an event: kombu prefixes fanout channels with the database (pub/sub ignores it). */
export function eventChannel(db: number, routingKey: string): string {
  return `/${db}.${EVENT_EXCHANGE}/${routingKey}`;
}

/** The pattern that receives every event of a database, as `celery events` and Flower subscribe. */
export function eventPattern(db: number): string {
  return `/${db}.${EVENT_EXCHANGE}/*`;
}

/** Live workers: node name scored by its last heartbeat (unix ms)... */
export const WORKERS = `${CELERIAC_PREFIX}workers`;
/** ...and what each says of itself (JSON: pool, concurrency, queues, counters). */
export const WORKERS_INFO = `${CELERIAC_PREFIX}workers:info`;

/** Remote control ("pidbox"): requests are published on `/<db>.celery.pidbox` (a fanout)... */
export function controlChannel(db: number): string {
  return `/${db}.celery.pidbox`;
}
/** ...and replies pushed onto the caller's list, found through this exchange's bindings. */
export const REPLY_EXCHANGE = 'reply.celery.pidbox';

/** The reply list of a control client. */
export function replyQueue(oid: string): string {
  return `${oid}.${REPLY_EXCHANGE}`;
}

/** Revoked task ids scored by when the revocation expires (unix ms), so a restarted worker still knows them. */
export const REVOKED = `${CELERIAC_PREFIX}revoked`;

/** Set when a canvas step published a task id's message: not again on a redelivery. */
export function canvasSentKey(taskId: string): string {
  return `${CELERIAC_PREFIX}canvas:sent:${taskId}`;
}

/** A chord's members, added-later count and size (Celery's Redis chord keys, backends/redis.py). */
export function chordKeys(groupId: string): [members: string, added: string, size: string] {
  const base = tasksetMetaKey(groupId);
  return [`${base}.j`, `${base}.t`, `${base}.s`];
}

/** The task ids a chord has counted, so a redelivered member is not counted twice (Celeriac's own). */
export function chordCountedKey(groupId: string): string {
  return `${CELERIAC_PREFIX}chord:${groupId}:counted`;
}

/** celery-redbeat's layout (redbeat/schedulers.py), so a Python redbeat and a Celeriac beat share schedules. */
export const REDBEAT_PREFIX = 'redbeat:';
export const REDBEAT_SCHEDULE = `${REDBEAT_PREFIX}:schedule`;
export const REDBEAT_LOCK = `${REDBEAT_PREFIX}:lock`;
/** An entry's hash: `definition`, `meta` (redbeat's), `celeriac` and `celeriac_last` (ours). */
export function redbeatKey(name: string): string {
  return `${REDBEAT_PREFIX}${name}`;
}
/**
 * The entries Celeriac beats declared in code. Not redbeat::statics: a Python redbeat deletes
 * the statics its own config does not list at its start, and would take ours with them.
 */
export const BEAT_STATICS = `${CELERIAC_PREFIX}beat:statics`;
/** Who holds the beat lock, when a Celeriac beat does: name, pid, since. */
export const BEAT_LEADER = `${CELERIAC_PREFIX}beat:leader`;

/** Queues paused from the control room: Celeriac workers consume none of them until resumed. */
export const PAUSED_QUEUES = `${CELERIAC_PREFIX}paused`;
/** Published on every pause and resume, so workers change at once. */
export const PAUSED_CHANGED = `${CELERIAC_PREFIX}paused:changed`;
/** A paused queue's other workers (Python's, a set) told to cancel_consumer it: told add_consumer on resume. */
export const pausedCancelledKey = (queue: string): string => `${CELERIAC_PREFIX}paused:cancelled:${queue}`;
