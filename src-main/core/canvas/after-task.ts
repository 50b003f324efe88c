/**
 * What a worker does after a task, for the canvas its message carries (Celery's app/trace.py, the
 * order Python's `trace_task` and `mark_as_failure` follow):
 *   success: callbacks, then the chain's next step (before the result is stored, so that it
 *            lists them as `children`); then the chord part, before the result is stored
 *            and the message acked (Python counts after storing; a kill in between must not
 *            lose the count, and a rerun is counted once per id).
 *   failure: before the ack, the chord part, and FAILURE stored under every chain step left
 *            (and their chord parts); after it is stored, the errbacks, as messages with [task_id].
 *   revoked: the chord part only. Retry: nothing (the retried message carries the canvas on).
 * Every message goes out once per task id (publishOnce): a redelivered task sends none twice.
 */
import { createHash } from 'node:crypto';
import { buildMeta } from '../backend/result-meta.js';
import type { RedisBackend } from '../backend/redis-backend.js';
import { FAILURE, REVOKED } from '../backend/states.js';
import { pyRepr } from '../protocol/pyrepr.js';
import type { TaskMessage } from '../protocol/types.js';
import { applySignature, freeze, groupSignature, resultIdOf, type CanvasSender } from './apply-signature.js';
import type { ResultTuple } from './result-tuple.js';
import { frozenId, kindOf, toSignatureDict, toSignatureList, withOptions, type SignatureDict } from './signature-dict.js';

/** An exception as the result backend stores it. */
export interface ExcInfo {
  exc_type: string;
  exc_message: unknown[];
  exc_module: string;
}

/** Whether a message carries anything for after-task to do (most carry nothing). */
export function hasCanvas(msg: TaskMessage): boolean {
  const e = msg.embed;
  return (e.callbacks?.length ?? 0) > 0 || (e.errbacks?.length ?? 0) > 0 || (e.chain?.length ?? 0) > 0 || (e.chord !== null && msg.group !== null);
}

/**
 * An id for a follow-up its signature did not freeze, the same on every run of the task: the
 * once-only guard then knows a redelivery's follow-up for the one sent before.
 */
export function followUpId(taskId: string, role: string): string {
  const h = createHash('sha1').update(`${taskId}\0${role}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class AfterTask {
  constructor(private readonly sender: CanvasSender, private readonly backend: RedisBackend) {}

  /** On success, before the result is stored: callbacks, then the next chain step. @returns the children */
  async succeeded(msg: TaskMessage, retval: unknown): Promise<ResultTuple[]> {
    const children: ResultTuple[] = [];
    const options = { parent_id: msg.id, root_id: msg.rootId, priority: msg.priority || undefined };
    const callbacks = this.frozen(toSignatureList(msg.embed.callbacks, 'embed.callbacks'), msg.id, 'callback');
    if (callbacks.length === 1) {
      children.push((await applySignature(callbacks[0]!, { args: [retval], options }, this.sender)).sent);
    } else if (callbacks.length > 1) {
      // Groups on their own; all others together in one new group (trace_task).
      const plain = callbacks.filter((s) => kindOf(s) !== 'group');
      for (const g of callbacks.filter((s) => kindOf(s) === 'group')) children.push((await applySignature(g, { args: [retval], options }, this.sender)).sent);
      if (plain.length) children.push((await applySignature(groupSignature(plain, { task_id: followUpId(msg.id, 'callbacks') }), { args: [retval], options }, this.sender)).sent);
    }
    const chain = msg.embed.chain ?? [];
    if (chain.length > 0) {
      const next = this.frozen([toSignatureDict(chain[chain.length - 1], 'embed.chain[-1]')], msg.id, 'next')[0]!;
      const rest = chain.slice(0, -1);
      children.push((await applySignature(next, { args: [retval], options: { ...options, chain: rest } }, this.sender)).sent);
    }
    return children;
  }

  /**
   * This task's part of its chord, if it is in one: before its message is acked, so that a
   * worker killed in between counts it on the redelivery (once per id) instead of never.
   */
  async chordPart(msg: TaskMessage, state: string, result: unknown): Promise<void> {
    if (msg.embed.chord === null || msg.group === null) return;
    await this.part(msg.group, msg.groupIndex, msg.id, state, result, toSignatureDict(msg.embed.chord, 'embed.chord'), msg.rootId);
  }

  /**
   * On failure, before the message is acked (as chordPart, for the same reason): the chain's
   * tail fails too, each step stored FAILURE and counted in its chord if it is in one.
   */
  async chainFailed(msg: TaskMessage, exc: ExcInfo, traceback: string | null): Promise<void> {
    for (const [i, raw] of (msg.embed.chain ?? []).entries()) {
      const step = toSignatureDict(raw, `embed.chain[${i}]`);
      const id = frozenId(step);
      if (id) await this.backend.store(buildMeta(id, FAILURE, exc, { traceback }));
      const group = step.options.group_id;
      if (id && step.options.chord && typeof group === 'string') {
        const index = typeof step.options.group_index === 'number' ? step.options.group_index : null;
        await this.part(group, index, id, FAILURE, exc, toSignatureDict(step.options.chord, `embed.chain[${i}].options.chord`), msg.rootId);
      }
    }
  }

  /** After FAILURE was stored: the errbacks (they read the failed task's stored result). */
  async failed(msg: TaskMessage): Promise<void> {
    await this.errbacks(msg.id, msg.rootId, toSignatureList(msg.embed.errbacks, 'embed.errbacks'));
  }

  /** Errbacks as Python sends those it does not run inline: one new group, args [task_id]. */
  private async errbacks(taskId: string, rootId: string, errbacks: SignatureDict[]): Promise<ResultTuple | null> {
    if (errbacks.length === 0) return null;
    const group = groupSignature(this.frozen(errbacks, taskId, 'errback'), { task_id: followUpId(taskId, 'errbacks') });
    return (await applySignature(group, { args: [taskId], options: { parent_id: taskId, root_id: rootId } }, this.sender)).sent;
  }

  /** One member done; the body applied (or ChordError stored) when it was the last. */
  private async part(groupId: string, index: number | null, taskId: string, state: string, result: unknown, body: SignatureDict, rootId: string): Promise<void> {
    // In the result serializer, as Celery's Redis backend writes members (Python workers of a msgpack app read them).
    const members = await this.backend.chordPart(groupId, index, taskId, this.backend.encodeValue([1, taskId, state, result]));
    if (!members) return;
    const decoded = members.map((m) => this.backend.decodeValue(m) as [number, string, string, unknown]);
    const frozenBody = freeze(body, followUpId(groupId, 'body'));
    const bodyId = resultIdOf(frozenBody)!;
    const failed = decoded.find(([, , s]) => s === FAILURE || s === REVOKED);
    if (failed) {
      // The body fails with ChordError; its errbacks run; the keys are left to expire (as Python).
      const why = `Dependency ${failed[1]} raised ${excRepr(failed[3])}`;
      const eb = await this.errbacks(bodyId, bodyId, toSignatureList(body.options.link_error, 'chord.options.link_error'));
      const error: ExcInfo = { exc_type: 'ChordError', exc_message: [why], exc_module: 'celery.exceptions' };
      await this.backend.store(buildMeta(bodyId, FAILURE, error, { traceback: `celery.exceptions.ChordError: ${why}`, children: eb ? [eb] : [] }));
      return;
    }
    const values = decoded.map(([, , , v]) => v);
    const root = typeof body.options.root_id === 'string' ? body.options.root_id : rootId;
    await applySignature(frozenBody, { args: [values], options: { parent_id: taskId, root_id: root } }, this.sender);
    await this.backend.forgetChord(groupId);
  }

  /** Plain signatures get an id of their own the same on every run (see followUpId). */
  private frozen(sigs: SignatureDict[], taskId: string, role: string): SignatureDict[] {
    return sigs.map((s, i) => (kindOf(s) === 'task' && !frozenId(s) ? withOptions(s, { task_id: followUpId(taskId, `${role}:${i}`) }) : s));
  }
}

/** Python's repr of a stored exception: `ValueError('boom')`. */
function excRepr(result: unknown): string {
  const e = result as Partial<ExcInfo> | null;
  if (!e || typeof e !== 'object' || typeof e.exc_type !== 'string') return pyRepr(result);
  return `${e.exc_type}(${(Array.isArray(e.exc_message) ? e.exc_message : [e.exc_message]).map(pyRepr).join(', ')})`;
}
