/**
 * Turns how a task ended into what is stored: its result meta (unless results are ignored),
 * its record and this attempt, and the ack, in one atomic step when results live on the
 * broker's Redis (finishTasks). The canvas follow-ups are canvas/after-task.ts's.
 */
import { buildMeta, type ResultMeta } from '../backend/result-meta.js';
import type { RedisBackend } from '../backend/redis-backend.js';
import { FAILURE, REVOKED, SUCCESS } from '../backend/states.js';
import type { Claim, QoS } from '../broker/qos.js';
import { pyRepr } from '../protocol/pyrepr.js';
import type { TaskMessage } from '../protocol/types.js';
import { preview, sentRecord, type Attempt } from '../records/task-record.js';
import type { Outcome, SerializedError, TaskInfo } from './pool/messages.js';

/** A run that ended: when it began, and how it ended. */
export interface EndedRun {
  started: number;
  outcome: Outcome;
}

export class TaskOutcomes {
  constructor(
    private readonly qos: QoS,
    private readonly backend: RedisBackend,
    private readonly worker: string,
    /** Whether results live on the broker's Redis (then result + ack are one script). */
    private readonly sameRedis: boolean,
  ) {}

  /** A task's result meta, with its name, arguments and worker (Celery's result_extended). */
  meta(msg: TaskMessage, status: string, result: unknown, traceback: string | null = null, children: unknown[] = []): ResultMeta {
    return buildMeta(msg.id, status, result, {
      traceback,
      children,
      groupId: msg.group,
      parentId: msg.parentId,
      name: msg.task,
      args: msg.args,
      kwargs: msg.kwargs,
      worker: this.worker,
      retries: msg.retries,
      queue: msg.routingKey,
    });
  }

  /**
   * Stores the final meta (unless results are ignored), the task's record and this attempt, and
   * acks, in one step when results live on the broker's Redis.
   * @param run the run that ended, or null when the task never ran (expired, revoked)
   * @param force store even if results are ignored (a RETRY must be seen)
   */
  async end(claim: Claim, msg: TaskMessage, info: TaskInfo, meta: ResultMeta, run: EndedRun | null, force = false): Promise<void> {
    const ignore = !force && (info.ignoreResult || msg.ignoreResult);
    const json = ignore ? '' : this.encoded(meta);
    const finished = Date.now();
    const failed = meta.status === FAILURE || meta.status === REVOKED;
    const error = run && run.outcome.kind !== 'success' && run.outcome.kind !== 'rejected' ? { type: run.outcome.error.excType, message: String(run.outcome.error.excMessage[0] ?? '') } : undefined;
    // Filled in place, not spread: this runs once per task. encodeRecord skips what is unset.
    const record = sentRecord(msg);
    record.state = meta.status;
    record.worker = this.worker;
    record.finished = finished;
    if (run) {
      record.started = run.started;
      record.runtime = run.outcome.runtime;
      if (run.outcome.kind === 'success') record.result = preview(run.outcome.value);
    }
    if (meta.status === REVOKED) record.error = { type: 'TaskRevokedError', message: String((meta.result as { exc_message?: unknown[] }).exc_message?.[0] ?? '') };
    else if (error) record.error = error;
    // Kept so a failed task can be sent again exactly as it was.
    if (failed) record.message = claim.raw;
    // A first attempt that succeeded is all in the record: only other runs are listed apart.
    const listed = run && (msg.retries > 0 || meta.status !== SUCCESS);
    const attempt: Attempt | null = listed
      ? { state: meta.status, retries: msg.retries, worker: this.worker, started: run.started, finished, runtime: run.outcome.runtime, error }
      : null;
    const attemptJson = attempt ? JSON.stringify(attempt) : '';
    if (this.sameRedis) {
      await this.qos.finish(claim.tag, msg.id, json, this.backend.resultExpires, record, attemptJson);
      return;
    }
    if (!ignore) await this.backend.store(meta);
    await this.qos.finish(claim.tag, msg.id, '', this.backend.resultExpires, record, attemptJson);
  }

  /** The stored form of a meta, in the backend's result serializer. */
  private encoded(meta: ResultMeta): string | Buffer {
    return storable(meta, (m) => this.backend.encode(m));
  }

  /**
   * Stores the FAILURE of a message that will not run, so that whoever waits on its result
   * learns why instead of waiting for ever. Nothing is stored when its id cannot be read.
   */
  async storeRejection(taskId: string | null, excType: string, excModule: string, why: string): Promise<void> {
    if (!taskId) return;
    await this.backend.store(buildMeta(taskId, FAILURE, { exc_type: excType, exc_message: [why], exc_module: excModule }, { traceback: `${excType}: ${why}` }));
  }
}

/**
 * The stored form of a meta. Arguments nested too deep to encode (a bug elsewhere, since
 * the decoder refuses them) must not make the result unstorable, or the claim comes back
 * and fails the same way for ever: a FAILURE saying so is stored instead.
 */
function storable(meta: ResultMeta, encode: (meta: ResultMeta) => string | Buffer): string | Buffer {
  try {
    return encode(meta);
  } catch (err) {
    const why = `the result could not be stored: ${(err as Error).message}`;
    return encode(buildMeta(meta.task_id, FAILURE, { exc_type: 'EncodeError', exc_message: [why], exc_module: 'kombu.exceptions' }, { traceback: `EncodeError: ${why}`, name: meta.name, worker: meta.worker, queue: meta.queue, retries: meta.retries }));
  }
}

/** Python's repr of an exception, as Celery's events carry it: `ValueError('boom')`. */
export function excRepr(e: SerializedError): string {
  return `${e.excType}(${e.excMessage.map(pyRepr).join(', ')})`;
}
