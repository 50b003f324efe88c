/**
 * What a reader may do to a waiting message it was shown: delete it, move it to another queue,
 * or have it taken next. Each names the message by its key (the SHA-1 of the message as stored,
 * as the page listed it) and acts on that very message, atomically: the raw value is found by a
 * bounded scan, then one LREM of that exact value (a compare: a message a worker took, or one
 * edited meanwhile, is not there) and only then the push. A message not there as shown is
 * refused (MessageChangedError) or, in a bulk action, counted as changed.
 */
import type { Redis } from 'ioredis';
import { CeleriacError } from '../errors.js';
import { MAX_MESSAGE_BYTES } from '../protocol/limits.js';
import { bindingKey, bindingMember, PRIORITY_STEPS, queueListKey, queueListKeys } from '../keys.js';
import { callScript, registerScripts } from '../scripts.js';
import { ScriptResult } from '../script-results.js';
import { DEFAULT_SCAN_LIMIT, type QueueScan } from './queue-messages.js';
import { scanQueue, type PriorityStep } from './queue-scan.js';
import { storedMessageMatch } from './queue-search.js';
import { messageKey } from './queued-message.js';

/** A message as a page showed it. */
export interface MessageRef {
  queue: string;
  /** Its key as listed (messageKey). */
  key: string;
  /** Its position as listed: the look-up starts there. */
  position?: number;
}

/** Which messages of a queue a bulk action takes: those selected, or those a search matches. */
export type MessageSelection = { keys: readonly string[] } | { search: string; priority?: PriorityStep };

/** What a bulk action did. */
export interface BulkOutcome {
  /** Messages deleted or moved. */
  done: number;
  /**
   * Messages no longer there as shown (taken by a worker, edited, deleted): left alone. A move
   * counts here too the rare message that is not a JSON envelope (it cannot be routed; a worker
   * would dead-letter it), left where it is.
   */
  changed: number;
  /** For a search: what it read ("scanned N of M"); null for a selection. */
  scan: QueueScan | null;
  /**
   * More were selected or matched than the action takes (`max`): it stopped there, and the rest
   * still wait (running it again takes the next ones).
   */
  capped: boolean;
  /**
   * Messages whose own delete or move failed (a name moved to whose step list holds other data,
   * Redis gone mid-way), left where they were while the others were acted on: how many, and the
   * first one's reason. Absent when none failed.
   */
  failed?: { count: number; reason: string };
}

/** Where a moved message is now. */
export interface MovedMessage {
  queue: string;
  step: PriorityStep;
  /** Its key there (a move to another queue rewrites its delivery_info, so the key changes). */
  key: string;
}

/** A message that is no longer there as it was shown. */
export class MessageChangedError extends CeleriacError {
  constructor(queue: string) {
    super(`the message is no longer waiting in ${queue} as shown: it was taken by a worker or changed since you looked: refresh`, 'E_MESSAGE_CHANGED');
  }
}

/** A message that cannot be moved: its envelope is not JSON kombu can route. */
export class MessageNotMovableError extends CeleriacError {
  constructor(why: string) {
    super(`the message cannot be moved: ${why}; delete it instead`, 'E_MESSAGE_NOT_MOVABLE');
  }
}

/** A move whose target key (or its binding key) holds another type of data than a queue's: nothing was moved. */
export class MoveTargetError extends CeleriacError {
  constructor(to: string) {
    super(`cannot move to ${to}: a key of that name (its list in this priority step, or its binding) holds other data, not a queue's; the message was not moved`, 'E_MESSAGE_NOT_MOVABLE');
  }
}

/** How far either side of the shown position the look-up reads before it scans the queue. */
const NEAR = 100;

/** A message found where it waits. */
interface Found {
  raw: string;
  list: string;
  step: PriorityStep;
  /** Its place in the queue when found (0 is the next to be taken). */
  position: number;
}

/** The queue's waiting messages, their deletion and moves. */
export class QueueMessageActions {
  constructor(private readonly redis: Redis, private readonly scanLimit = DEFAULT_SCAN_LIMIT) {
    registerScripts(redis, new URL('./lua/', import.meta.url));
  }

  /**
   * The message a page showed, as it is stored.
   * @throws MessageChangedError when it is no longer there as shown
   */
  async find(ref: MessageRef): Promise<Found> {
    const near = ref.position === undefined ? null : await this.findNear(ref.queue, ref.key, ref.position);
    if (near) return near;
    const [found] = (await this.findAll(ref.queue, [ref.key])).values();
    if (!found) throw new MessageChangedError(ref.queue);
    return found;
  }

  /** Deletes the message shown. @throws MessageChangedError when it is no longer there as shown */
  async delete(ref: MessageRef): Promise<void> {
    const found = await this.find(ref);
    if ((await this.redis.lrem(found.list, -1, found.raw)) === 0) throw new MessageChangedError(ref.queue);
  }

  /**
   * Moves the message shown to another queue, in the same priority step, after those waiting there.
   * @throws MessageChangedError when it is no longer there as shown; MessageNotMovableError when its envelope is not JSON
   */
  async move(ref: MessageRef, to: string): Promise<MovedMessage> {
    const found = await this.find(ref);
    const moved = routedTo(found.raw, to);
    if (!(await this.push(found, to, found.step, moved, 'last', true))) throw new MessageChangedError(ref.queue);
    return { queue: to, step: found.step, key: messageKey(moved) };
  }

  /**
   * Has the message shown taken next: to the consuming end of its queue's first-served list
   * (step 0), as it is (its own priority kept, for a restore). @throws MessageChangedError
   */
  async runNow(ref: MessageRef): Promise<MovedMessage> {
    const found = await this.find(ref);
    if (!(await this.push(found, ref.queue, 0, found.raw, 'next', false))) throw new MessageChangedError(ref.queue);
    return { queue: ref.queue, step: 0, key: ref.key };
  }

  /** Deletes the selected messages, at most `max` of them. */
  deleteMany(queue: string, selection: MessageSelection, max: number): Promise<BulkOutcome> {
    return this.many(queue, selection, max, async (found) => (await this.redis.lrem(found.list, -1, found.raw)) === 1);
  }

  /** Moves the selected messages to `to` (each in its priority step), at most `max` of them. */
  moveMany(queue: string, to: string, selection: MessageSelection, max: number): Promise<BulkOutcome> {
    return this.many(queue, selection, max, async (found) => {
      let moved: string;
      try {
        moved = routedTo(found.raw, to);
      } catch {
        return false; // not JSON: a worker could not route it either; it stays where it is
      }
      return this.push(found, to, found.step, moved, 'last', true);
    });
  }

  private async many(queue: string, selection: MessageSelection, max: number, act: (found: Found) => Promise<boolean>): Promise<BulkOutcome> {
    let targets: Found[];
    let missing = 0;
    let scan: QueueScan | null = null;
    let capped = false;
    if ('keys' in selection) {
      const unique = [...new Set(selection.keys)];
      const keys = unique.slice(0, max);
      capped = unique.length > max;
      const found = await this.findAll(queue, keys);
      targets = [...found.values()];
      missing = keys.length - targets.length;
    } else {
      const matches = storedMessageMatch(selection.search);
      const priority = selection.priority ?? null;
      const lengths = await Promise.all(queueListKeys(queue).map((l) => this.redis.llen(l)));
      targets = [];
      let matched = 0;
      const scanned = await scanQueue(this.redis, queue, { priority, limit: this.scanLimit, lengths }, (raw, at) => {
        if (!matches(raw)) return;
        matched++;
        // Reads on to the first match past `max`: only then is it known that some are left.
        if (targets.length === max) {
          capped = true;
          return false;
        }
        targets.push({ raw, list: at.list, step: at.step, position: at.position });
      });
      const of = priority === null ? lengths.reduce((a, b) => a + b, 0) : lengths[PRIORITY_STEPS.indexOf(priority)]!;
      scan = { scanned, of, limit: this.scanLimit, matched };
    }
    // Sent together (one round trip's worth): each message's compare-and-act is still its own
    // atomic step, so one failing does not undo the others: each is counted as it ended.
    const settled = await Promise.allSettled(targets.map(act));
    const done = settled.filter((r) => r.status === 'fulfilled' && r.value).length;
    const failures = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    const outcome: BulkOutcome = { done, changed: missing + targets.length - done - failures.length, scan, capped };
    if (failures.length > 0) outcome.failed = { count: failures.length, reason: reasonOf(failures[0]!.reason) };
    return outcome;
  }

  /** Each key's message, found by one bounded scan of the queue (a key not found is absent). */
  private async findAll(queue: string, keys: readonly string[]): Promise<Map<string, Found>> {
    const wanted = new Set(keys);
    const found = new Map<string, Found>();
    if (wanted.size === 0) return found;
    await scanQueue(this.redis, queue, { priority: null, limit: this.scanLimit }, (raw, at) => {
      const key = messageKey(raw);
      if (wanted.has(key) && !found.has(key)) found.set(key, { raw, list: at.list, step: at.step, position: at.position });
      return found.size < wanted.size;
    });
    return found;
  }

  /** The message, looked for within NEAR places of where it was shown (lists move as workers take). */
  private async findNear(queue: string, key: string, position: number): Promise<Found | null> {
    const lists = queueListKeys(queue);
    const lengths = await Promise.all(lists.map((l) => this.redis.llen(l)));
    let base = 0;
    for (let i = 0; i < lists.length; i++) {
      const n = lengths[i]!;
      if (position < base + n || i === lists.length - 1) {
        // Counted from the consuming (right) end, as positions are: -1 is the next to be taken.
        const fromRight = Math.max(0, Math.min(n - 1, position - base));
        const first = Math.max(0, fromRight - NEAR);
        const raws = await this.redis.lrange(lists[i]!, -(fromRight + NEAR + 1), -(first + 1));
        const at = raws.findIndex((r) => messageKey(r) === key);
        if (at === -1) return null;
        // raws runs left to right: its last element is `first` places from the right end.
        return { raw: raws[at]!, list: lists[i]!, step: PRIORITY_STEPS[i]!, position: base + first + (raws.length - 1 - at) };
      }
      base += n;
    }
    return null;
  }

  /**
   * Takes the message found off its list and pushes `message` to `queue`'s list of `step`; false when it was no longer there.
   * @throws MoveTargetError when `queue`'s list or binding key holds another type (the message stays where it was)
   */
  private async push(found: Found, queue: string, step: PriorityStep, message: string, end: 'next' | 'last', bind: boolean): Promise<boolean> {
    const keys = [found.list, queueListKey(queue, step), bindingKey(queue)];
    const result = await callScript<number>(this.redis, 'moveWaiting', keys, [found.raw, message, end, bind ? bindingMember(queue, queue) : '']);
    if (result === ScriptResult.WrongType) throw new MoveTargetError(queue);
    return result === ScriptResult.Done;
  }
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The message with its delivery_info routed to `queue` by the default exchange (kombu's restore
 * and Celery's retry read it), its body untouched.
 * @throws MessageNotMovableError when the envelope is not a JSON object with properties, or too large to parse
 */
export function routedTo(raw: string, queue: string): string {
  // Past the limit a worker would refuse it unparsed (too_large): it is not parsed here either.
  if (raw.length > MAX_MESSAGE_BYTES) throw new MessageNotMovableError(`it is ${raw.length} bytes, over the ${MAX_MESSAGE_BYTES} a worker takes`);
  let env: unknown;
  try {
    env = JSON.parse(raw);
  } catch {
    throw new MessageNotMovableError('it is not JSON');
  }
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new MessageNotMovableError('it is not a kombu envelope');
  const e = env as { properties?: unknown };
  const props = typeof e.properties === 'object' && e.properties !== null && !Array.isArray(e.properties) ? (e.properties as Record<string, unknown>) : null;
  if (!props) throw new MessageNotMovableError('its envelope has no properties');
  const info = typeof props.delivery_info === 'object' && props.delivery_info !== null ? props.delivery_info : {};
  props.delivery_info = { ...info, exchange: '', routing_key: queue };
  return JSON.stringify(env);
}
