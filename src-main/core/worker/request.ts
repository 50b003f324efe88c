import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { buildMeta, infoToResult, type ResultMeta } from '../backend/result-meta.js';
import type { RedisBackend } from '../backend/redis-backend.js';
import { FAILURE, PROGRESS, RETRY, REVOKED, STARTED, SUCCESS } from '../backend/states.js';
import type { Publisher } from '../broker/publisher.js';
import type { Claim, QoS } from '../broker/qos.js';
import type { TaskRecords } from '../records/record-store.js';
import { queueOfListKey } from '../keys.js';
import { decodeTaskMessage, peekTaskId } from '../protocol/decode.js';
import { parseCeleryIso, toCeleryIso } from '../protocol/time.js';
import type { TaskMessage } from '../protocol/types.js';
import type { EventDispatcher } from '../events/dispatcher.js';
import { pyRepr } from '../protocol/pyrepr.js';
import { preview, sentRecord, type Attempt, type TaskRecord } from '../records/task-record.js';
import type { ResolvedWorkerOptions } from './options.js';
import type { Job, Outcome, SerializedError, TaskInfo } from './pool/messages.js';
import type { TaskPool } from './pool/task-pool.js';
import type { Revocations } from '../control/revocations.js';
import { TaskFailure } from '../errors.js';
import { serializeError } from './executor.js';

/** Progress is written at most this often per task; the latest value always lands. */
const PROGRESS_INTERVAL_MS = 100;
/** A task still running after this long gets a STARTED record (short tasks skip that write). */
const STARTED_RECORD_AFTER_MS = 100;

/** When a run began, for its record and attempt. */
interface RunTimes {
  started: number;
}

/** What a RequestHandler works with. */
export interface RequestDeps {
  qos: QoS;
  /** Where task records are written (the worker's records, when it keeps them). */
  records: TaskRecords;
  backend: RedisBackend;
  publisher: Publisher;
  pool: TaskPool;
  tasks: Map<string, TaskInfo>;
  options: ResolvedWorkerOptions;
  log: Logger;
  /** Whether results live on the broker's Redis (then result + ack are one script). */
  sameRedis: boolean;
  events: EventDispatcher;
  /** Told of every task this worker moved into the schedule, so it wakes up for it in time. */
  onScheduled: (etaMs: number) => void;
  /** Ids not to run (remote-control revoke). */
  revocations: Revocations;
}

/** What `celery inspect active` reports of a running task. */
export interface RequestInfo {
  id: string;
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  type: string;
  hostname: string;
  time_start: number;
  acknowledged: boolean;
  delivery_info: { exchange: string; routing_key: string; priority: number; redelivered: boolean };
  worker_pid: number;
}

export interface RequestStats {
  processed: number;
  succeeded: number;
  failed: number;
  retried: number;
  deadLettered: number;
}

/** Writes a running task's PROGRESS, at most every PROGRESS_INTERVAL_MS. */
interface ProgressWriter {
  report(meta: Record<string, unknown>): void;
  cancel(): void;
}

/**
 * Takes one claimed message through its life: decode, dead-letter what cannot run, schedule
 * what is not due, discard what expired, run the rest in the pool, then store the result and
 * acknowledge in one atomic step. Never throws: a bad message or a failing task is an outcome.
 */
export class RequestHandler {
  readonly stats: RequestStats = { processed: 0, succeeded: 0, failed: 0, retried: 0, deadLettered: 0 };
  /** Delivery tags of the claims held now (waiting for a slot or running). */
  readonly held = new Set<string>();

  private abandoned = false;
  /** Tasks running now, for their STARTED record (one timer for all, not one per task). */
  private readonly running = new Map<string, { msg: TaskMessage; started: number; recorded: boolean }>();
  private readonly startedSweep: NodeJS.Timeout;
  /** Per-task lines cost string building even when not printed: decided once. */
  private readonly logTasks: boolean;

  private readonly qos: QoS;
  private readonly records: TaskRecords;
  private readonly backend: RedisBackend;
  private readonly publisher: Publisher;
  private readonly pool: TaskPool;
  private readonly tasks: Map<string, TaskInfo>;
  private readonly options: ResolvedWorkerOptions;
  private readonly log: Logger;
  private readonly sameRedis: boolean;
  private readonly events: EventDispatcher;
  private readonly onScheduled: (etaMs: number) => void;
  private readonly revocations: Revocations;
  /** Running tasks revoked with terminate: stored as REVOKED whatever they return. */
  private readonly terminated = new Set<string>();

  constructor(deps: RequestDeps) {
    ({ qos: this.qos, records: this.records, backend: this.backend, publisher: this.publisher, pool: this.pool, tasks: this.tasks } = deps);
    ({ options: this.options, log: this.log, sameRedis: this.sameRedis, events: this.events, onScheduled: this.onScheduled } = deps);
    this.revocations = deps.revocations;
    this.logTasks = deps.log.isLevelEnabled('info');
    this.startedSweep = setInterval(() => this.recordStarted(), STARTED_RECORD_AFTER_MS);
    this.startedSweep.unref();
  }

  /** Writes a STARTED record for tasks running longer than STARTED_RECORD_AFTER_MS. */
  private recordStarted(): void {
    const before = Date.now() - STARTED_RECORD_AFTER_MS;
    for (const run of this.running.values()) {
      if (run.recorded || run.started > before) continue;
      run.recorded = true;
      const record: TaskRecord = { ...sentRecord(run.msg), state: STARTED, worker: this.options.name, started: run.started };
      this.records.write(record).catch(() => undefined);
    }
  }

  /** The running tasks, as `celery inspect active` lists them. */
  activeRequests(): RequestInfo[] {
    return [...this.running.values()].map(({ msg, started }) => ({
      id: msg.id,
      name: msg.task,
      args: msg.args,
      kwargs: msg.kwargs,
      type: msg.task,
      hostname: this.options.name,
      time_start: started / 1000,
      acknowledged: true,
      delivery_info: { exchange: msg.exchange, routing_key: msg.routingKey, priority: msg.priority, redelivered: msg.redelivered },
      worker_pid: process.pid,
    }));
  }

  /** Aborts running tasks (revoke with terminate); they end as REVOKED. @returns the ids that were running */
  terminate(ids: string[]): string[] {
    const hit = ids.filter((id) => this.running.has(id));
    for (const id of hit) {
      this.terminated.add(id);
      this.pool.abort(id, serializeError(new TaskFailure('TaskRevokedError', 'terminated', 'E_REVOKED')));
    }
    return hit;
  }

  /** From now on nothing is settled: the worker is handing its claims back. */
  abandon(): void {
    this.abandoned = true;
    clearInterval(this.startedSweep);
  }

  async handle(claim: Claim): Promise<void> {
    if (claim.tag === '') {
      // The claim script dead-lettered it: not an envelope, or a delivery tag already claimed.
      this.stats.deadLettered++;
      this.log.error(`[Worker] a message on ${queueOfListKey(claim.list)} could not be claimed (not a kombu envelope, or its delivery tag is already claimed); moved to the dead-letter list`);
      await this.failDuplicate(claim).catch(() => undefined);
      return;
    }
    this.held.add(claim.tag);
    try {
      await this.process(claim);
    } catch (err) {
      // Redis went away mid-way: the claim stays in `unacked` and a sweep restores it.
      this.log.error(`[Worker] could not finish message ${claim.tag}: ${(err as Error).message}; its claim will be restored`);
    } finally {
      this.held.delete(claim.tag);
    }
  }

  private async process(claim: Claim): Promise<void> {
    const decoded = decodeTaskMessage(claim.raw);
    if (!decoded.ok) {
      await this.storeRejection(peekTaskId(claim.raw), 'DecodeError', 'kombu.exceptions', `the message was dead-lettered: ${decoded.error.message}`);
      return this.deadLetter(claim, decoded.error.reason, decoded.error.message);
    }
    const msg = decoded.message;
    const info = this.tasks.get(msg.task);
    if (!info) {
      // Also store Celery's NotRegistered failure, so whoever waits on the result learns it.
      await this.backend.store(this.meta(msg, FAILURE, { exc_type: 'NotRegistered', exc_message: [msg.task], exc_module: 'celery.exceptions' }));
      const record: TaskRecord = { ...sentRecord(msg), state: FAILURE, worker: this.options.name, error: { type: 'NotRegistered', message: msg.task }, message: claim.raw };
      await this.records.write(record);
      return this.deadLetter(claim, 'unknown_task', `no task named ${JSON.stringify(msg.task)} is registered in this worker`);
    }
    if (this.revocations.has(msg.id)) {
      this.log.info(`[Worker] Discarding revoked task: ${msg.task}[${msg.id}]`);
      this.events.sendTaskEvent('task-revoked', msg.id, { terminated: false, signum: null, expired: false });
      await this.end(claim, msg, info, this.meta(msg, REVOKED, { exc_type: 'TaskRevokedError', exc_message: ['revoked'], exc_module: 'celery.exceptions' }), null);
      return;
    }
    const now = Date.now();
    const expires = msg.expires ? parseCeleryIso(msg.expires) : null;
    if (expires !== null && expires <= now) {
      this.log.info(`[Worker] Discarding expired task ${msg.task}[${msg.id}]`);
      this.events.sendTaskEvent('task-revoked', msg.id, { terminated: false, signum: null, expired: true });
      const revoked = this.meta(msg, REVOKED, { exc_type: 'TaskRevokedError', exc_message: ['expired'], exc_module: 'celery.exceptions' });
      await this.end(claim, msg, info, revoked, null);
      return;
    }
    const eta = msg.eta ? parseCeleryIso(msg.eta) : null;
    if (msg.eta && eta === null) return this.deadLetter(claim, 'invalid_eta', `headers.eta ${JSON.stringify(msg.eta)} is not an ISO 8601 time`);
    if (eta !== null && eta > now + 5) {
      await this.qos.schedule(claim, eta);
      this.onScheduled(eta);
      this.log.debug(`[Worker] Task ${msg.task}[${msg.id}] scheduled for ${msg.eta}`);
      return;
    }
    await this.run(claim, msg, info);
  }

  private async run(claim: Claim, msg: TaskMessage, info: TaskInfo): Promise<void> {
    if (this.logTasks) this.log.info(`[Worker] Task ${msg.task}[${msg.id}] received`);
    if (this.events.taskEvents) this.events.sendTaskEvent('task-received', msg.id, {
      name: msg.task, args: msg.argsrepr, kwargs: msg.kwargsrepr, root_id: msg.rootId, parent_id: msg.parentId,
      retries: msg.retries, eta: msg.eta, expires: msg.expires,
    });
    if (info.trackStarted) await this.backend.store(this.meta(msg, STARTED, { pid: process.pid, hostname: this.options.name }));
    if (!info.acksLate) await this.qos.ack(claim.tag);
    const [hard, soft] = msg.timelimit;
    const job: Job = {
      taskId: msg.id,
      name: msg.task,
      args: msg.args,
      kwargs: msg.kwargs,
      retries: msg.retries,
      hardTimeLimit: hard ?? info.timeLimit ?? this.options.timeLimit ?? null,
      softTimeLimit: soft ?? info.softTimeLimit ?? this.options.softTimeLimit ?? null,
    };
    const times: RunTimes = { started: Date.now() };
    this.events.sendTaskEvent('task-started', msg.id);
    this.running.set(msg.id, { msg, started: times.started, recorded: false });
    // Made on the first report: most tasks never report progress.
    let progress = null as ProgressWriter | null;
    const outcome = await this.pool.run(job, (meta) => (progress ??= this.progressWriter(msg)).report(meta));
    // Writes still waiting must not land on top of the final state.
    this.running.delete(msg.id);
    progress?.cancel();
    this.stats.processed++;
    await this.settle(claim, msg, info, outcome, times);
  }

  private async settle(claim: Claim, msg: TaskMessage, info: TaskInfo, outcome: Outcome, times: RunTimes): Promise<void> {
    if (this.abandoned) return;
    if (this.terminated.delete(msg.id)) {
      this.events.sendTaskEvent('task-revoked', msg.id, { terminated: true, signum: 15, expired: false });
      const revoked = this.meta(msg, REVOKED, { exc_type: 'TaskRevokedError', exc_message: ['terminated'], exc_module: 'celery.exceptions' });
      return this.end(claim, msg, info, revoked, { ...times, outcome });
    }
    const label = (): string => `${msg.task}[${msg.id}]`;
    switch (outcome.kind) {
      case 'rejected':
        this.stats.failed++;
        await this.storeRejection(msg.id, 'EncodeError', 'kombu.exceptions', `the message was dead-lettered: ${outcome.reason}`);
        return this.deadLetter(claim, 'not_sendable_to_pool', outcome.reason);
      case 'success':
        this.stats.succeeded++;
        if (this.events.taskEvents) this.events.sendTaskEvent('task-succeeded', msg.id, { result: pyRepr(outcome.value), runtime: outcome.runtime });
        if (this.logTasks) this.log.info(`[Worker] Task ${label()} succeeded in ${outcome.runtime.toFixed(6)}s: ${preview(outcome.value)}`);
        return this.end(claim, msg, info, this.meta(msg, SUCCESS, outcome.value), { ...times, outcome });
      case 'retry': {
        this.stats.retried++;
        this.events.sendTaskEvent('task-retried', msg.id, { exception: excRepr(outcome.error), traceback: outcome.error.traceback });
        const eta = toCeleryIso(new Date(Date.now() + outcome.countdown * 1000));
        // Re-published as Celery does: same id, retries + 1, parent = itself, a new delivery.
        await this.publisher.publish({ ...msg, retries: msg.retries + 1, eta, parentId: msg.id, deliveryTag: randomUUID(), redelivered: false, origin: this.options.name });
        if (this.logTasks) this.log.info(`[Worker] Task ${label()} retry: Retry in ${outcome.countdown}s: ${outcome.error.excType}('${String(outcome.error.excMessage[0] ?? '')}')`);
        return this.end(claim, msg, info, this.meta(msg, RETRY, infoToResult(outcome.error), outcome.error.traceback, [[[msg.id, null], null]]), { ...times, outcome }, true);
      }
      case 'lost':
        if (outcome.innocent || this.options.onChildLost === 'redeliver') {
          this.log.warn(`[Worker] Task ${label()}: ${outcome.error.excMessage[0]}; handing it back to its queue`);
          await this.qos.restore([claim.tag]);
          return;
        }
      // fall through: Celery's default is to fail it
      case 'failure':
        this.stats.failed++;
        this.events.sendTaskEvent('task-failed', msg.id, { exception: excRepr(outcome.error), traceback: outcome.error.traceback });
        this.log.error(`[Worker] Task ${label()} raised unexpected: ${outcome.error.excType}('${String(outcome.error.excMessage[0] ?? '')}')`);
        return this.end(claim, msg, info, this.meta(msg, FAILURE, infoToResult(outcome.error), outcome.error.traceback), { ...times, outcome });
    }
  }

  /**
   * Stores the final meta (unless results are ignored), the task's record and this attempt, and
   * acks, in one step when results live on the broker's Redis.
   * @param run the run that ended, or null when the task never ran (expired)
   */
  private async end(
    claim: Claim, msg: TaskMessage, info: TaskInfo, meta: ResultMeta, run: (RunTimes & { outcome: Outcome }) | null, force = false,
  ): Promise<void> {
    const ignore = !force && (info.ignoreResult || msg.ignoreResult);
    const json = ignore ? '' : metaJson(meta);
    const finished = Date.now();
    const failed = meta.status === FAILURE || meta.status === REVOKED;
    const error = run && run.outcome.kind !== 'success' && run.outcome.kind !== 'rejected' ? { type: run.outcome.error.excType, message: String(run.outcome.error.excMessage[0] ?? '') } : undefined;
    // Filled in place, not spread: this runs once per task. encodeRecord skips what is unset.
    const record = sentRecord(msg);
    record.state = meta.status;
    record.worker = this.options.name;
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
      ? { state: meta.status, retries: msg.retries, worker: this.options.name, started: run.started, finished, runtime: run.outcome.runtime, error }
      : null;
    const attemptJson = attempt ? JSON.stringify(attempt) : '';
    if (this.sameRedis) {
      await this.qos.finish(claim.tag, msg.id, json, this.backend.resultExpires, record, attemptJson);
      return;
    }
    if (!ignore) await this.backend.store(meta);
    await this.qos.finish(claim.tag, msg.id, '', this.backend.resultExpires, record, attemptJson);
  }

  /**
   * Stores the FAILURE of a message that will not run, so that whoever waits on its result
   * learns why instead of waiting for ever. Nothing is stored when its id cannot be read.
   */
  private async storeRejection(taskId: string | null, excType: string, excModule: string, why: string): Promise<void> {
    if (!taskId) return;
    await this.backend.store(buildMeta(taskId, FAILURE, { exc_type: excType, exc_message: [why], exc_module: excModule }, { traceback: `${excType}: ${why}` }));
  }

  /**
   * A message dead-lettered for a delivery tag already claimed by another: when that other one
   * is another task, this task will never run, so its caller is told. (The same task claimed
   * twice, e.g. restored while it ran, is left to the copy that runs.)
   */
  private async failDuplicate(claim: Claim): Promise<void> {
    const decoded = decodeTaskMessage(claim.raw);
    if (!decoded.ok) return;
    const holder = await this.qos.claimed(decoded.message.deliveryTag);
    if (holder === null || peekTaskId(holder) === decoded.message.id) return;
    const why = `the message was dead-lettered: its delivery tag ${decoded.message.deliveryTag} is already claimed by another message`;
    await this.storeRejection(decoded.message.id, 'DuplicateDeliveryTag', 'celeriac', why);
  }

  private async deadLetter(claim: Claim, reason: string, detail: string): Promise<void> {
    this.stats.deadLettered++;
    await this.qos.deadLetter(claim.tag, { reason, detail, raw: claim.raw, queue: queueOfListKey(claim.list), time: Date.now() / 1000, worker: this.options.name });
    this.log.error(`[Worker] Dead-lettered a message from ${queueOfListKey(claim.list)}: ${reason}: ${detail}`);
  }

  private meta(msg: TaskMessage, status: string, result: unknown, traceback: string | null = null, children: unknown[] = []): ResultMeta {
    return buildMeta(msg.id, status, result, {
      traceback,
      children,
      groupId: msg.group,
      parentId: msg.parentId,
      name: msg.task,
      args: msg.args,
      kwargs: msg.kwargs,
      worker: this.options.name,
      retries: msg.retries,
      queue: msg.routingKey,
    });
  }

  /** Writes PROGRESS at most every PROGRESS_INTERVAL_MS, always ending with the latest value. */
  private progressWriter(msg: TaskMessage): ProgressWriter {
    let last = 0;
    let latest: Record<string, unknown> | null = null;
    let timer: NodeJS.Timeout | null = null;
    const write = (): void => {
      timer = null;
      if (!latest) return;
      const meta = latest;
      latest = null;
      last = Date.now();
      this.backend.store(this.meta(msg, PROGRESS, meta)).catch(() => undefined);
      // The record too, so the control room's list draws a progress bar.
      const run = this.running.get(msg.id);
      if (run) run.recorded = true; // a STARTED record would only step back
      const progress = { current: Number(meta.current ?? 0), total: Number(meta.total ?? 0) };
      const record: TaskRecord = { ...sentRecord(msg), state: PROGRESS, worker: this.options.name, started: run?.started, progress };
      this.records.write(record).catch(() => undefined);
    };
    return {
      report: (meta) => {
        latest = meta;
        const wait = PROGRESS_INTERVAL_MS - (Date.now() - last);
        if (wait <= 0) write();
        else timer ??= setTimeout(write, wait);
      },
      cancel: () => {
        if (timer) clearTimeout(timer);
        latest = null;
      },
    };
  }
}


/**
 * The stored form of a meta. Arguments nested too deep to encode (a bug elsewhere, since
 * the decoder refuses them) must not make the result unstorable, or the claim comes back
 * and fails the same way for ever: a FAILURE saying so is stored instead.
 */
function metaJson(meta: ResultMeta): string {
  try {
    return JSON.stringify(meta);
  } catch (err) {
    const why = `the result could not be stored: ${(err as Error).message}`;
    return JSON.stringify(buildMeta(meta.task_id, FAILURE, { exc_type: 'EncodeError', exc_message: [why], exc_module: 'kombu.exceptions' }, { traceback: `EncodeError: ${why}`, name: meta.name, worker: meta.worker, queue: meta.queue, retries: meta.retries }));
  }
}

/** Python's repr of an exception, as Celery's events carry it: `ValueError('boom')`. */
function excRepr(e: SerializedError): string {
  return `${e.excType}(${e.excMessage.map(pyRepr).join(', ')})`;
}
