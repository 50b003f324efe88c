import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { infoToResult } from '../backend/result-meta.js';
import type { RedisBackend } from '../backend/redis-backend.js';
import { FAILURE, PROGRESS, RETRY, REVOKED, STARTED, SUCCESS } from '../backend/states.js';
import type { Publisher } from '../broker/publisher.js';
import type { Claim, QoS } from '../broker/qos.js';
import { AfterTask, hasCanvas, type ExcInfo } from '../canvas/after-task.js';
import type { TaskRecords } from '../records/record-store.js';
import { queueOfListKey } from '../keys.js';
import { decodeTaskMessage, peekTaskId } from '../protocol/decode.js';
import { parseCeleryIso, toCeleryIso } from '../protocol/time.js';
import type { TaskMessage } from '../protocol/types.js';
import type { EventDispatcher } from '../events/dispatcher.js';
import { pyRepr } from '../protocol/pyrepr.js';
import { preview, sentRecord, type TaskRecord } from '../records/task-record.js';
import type { ResolvedWorkerOptions } from './options.js';
import type { Job, TaskInfo } from './pool/messages.js';
import type { TaskPool } from './pool/task-pool.js';
import type { Revocations } from '../control/revocations.js';
import { CeleriacError, TaskFailure } from '../errors.js';
import { serializeError } from './executor.js';
import { throttledProgress, type ProgressWriter } from './progress-writer.js';
import { RunningTasks, type RequestInfo } from './running-tasks.js';
import type { RateLimiter } from './rate-limit.js';
import { excRepr, TaskOutcomes, type EndedRun } from './task-outcome.js';

export type { RequestInfo } from './running-tasks.js';

/** Progress is written at most this often per task; the latest value always lands. */
const PROGRESS_INTERVAL_MS = 100;

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
  /** The content types this worker takes (accept_content); others are dead-lettered. */
  accept?: ReadonlySet<string>;
  events: EventDispatcher;
  /** Told of every task this worker moved into the schedule, so it wakes up for it in time. */
  onScheduled: (etaMs: number) => void;
  /** Ids not to run (remote-control revoke). */
  revocations: Revocations;
  /** What the canvas a message carries asks for after the task (chain, callbacks, chord, errbacks). */
  afterTask: AfterTask;
  /** Celery's rate limits, per task (null: --without-rate-limits). */
  limiter: RateLimiter | null;
}

export interface RequestStats {
  processed: number;
  succeeded: number;
  failed: number;
  retried: number;
  deadLettered: number;
}

/**
 * Takes one claimed message through its life: decode, dead-letter what cannot run, schedule
 * what is not due, discard what expired or was revoked, run the rest in the pool, then have
 * its outcome stored (task-outcome.ts) and its canvas continued (canvas/after-task.ts).
 * Never throws: a bad message or a failing task is an outcome.
 */
export class RequestHandler {
  readonly stats: RequestStats = { processed: 0, succeeded: 0, failed: 0, retried: 0, deadLettered: 0 };
  /** Delivery tags of the claims held now (waiting for a slot or running). */
  readonly held = new Set<string>();

  private abandoned = false;
  private readonly running: RunningTasks;
  private readonly outcomes: TaskOutcomes;
  /** Per-task lines cost string building even when not printed: decided once. */
  private readonly logTasks: boolean;
  /** Running tasks revoked with terminate: stored as REVOKED whatever they return. */
  private readonly terminated = new Set<string>();

  constructor(private readonly deps: RequestDeps) {
    this.logTasks = deps.log.isLevelEnabled('info');
    this.running = new RunningTasks(deps.records, deps.options.name);
    this.outcomes = new TaskOutcomes(deps.qos, deps.backend, deps.options.name, deps.sameRedis);
  }

  /** The running tasks, as `celery inspect active` lists them. */
  activeRequests(): RequestInfo[] {
    return this.running.active();
  }

  /** Aborts running tasks (revoke with terminate); they end as REVOKED. @returns the ids that were running */
  terminate(ids: string[]): string[] {
    const hit = ids.filter((id) => this.running.has(id));
    for (const id of hit) {
      this.terminated.add(id);
      this.deps.pool.abort(id, serializeError(new TaskFailure('TaskRevokedError', 'terminated', 'E_REVOKED')));
    }
    return hit;
  }

  /** From now on nothing is settled: the worker is handing its claims back. */
  abandon(): void {
    this.abandoned = true;
    this.running.stop();
    this.deps.limiter?.stop();
  }

  /** Lets go of the messages waiting for a rate limit, unrun: a stopping worker hands them back. */
  releaseWaiting(): void {
    this.deps.limiter?.stop();
  }

  async handle(claim: Claim): Promise<void> {
    if (claim.tag === '') {
      // The claim script dead-lettered it: not an envelope, or a delivery tag already claimed.
      this.stats.deadLettered++;
      this.deps.log.error(`[Worker] a message on ${queueOfListKey(claim.list)} could not be claimed (not a kombu envelope, or its delivery tag is already claimed); moved to the dead-letter list`);
      await this.failDuplicate(claim).catch(() => undefined);
      return;
    }
    this.held.add(claim.tag);
    try {
      await this.process(claim);
    } catch (err) {
      // Redis went away mid-way: the claim stays in `unacked` and a sweep restores it.
      this.deps.log.error(`[Worker] could not finish message ${claim.tag}: ${(err as Error).message}; its claim will be restored`);
    } finally {
      this.held.delete(claim.tag);
    }
  }

  private async process(claim: Claim): Promise<void> {
    const { backend, records, options, events, log } = this.deps;
    const decoded = decodeTaskMessage(claim.raw, { accept: this.deps.accept });
    if (!decoded.ok) {
      await this.outcomes.storeRejection(peekTaskId(claim.raw), 'DecodeError', 'kombu.exceptions', `the message was dead-lettered: ${decoded.error.message}`);
      return this.deadLetter(claim, decoded.error.reason, decoded.error.message);
    }
    const msg = decoded.message;
    const info = this.deps.tasks.get(msg.task);
    if (!info) {
      // Also store Celery's NotRegistered failure, so whoever waits on the result learns it.
      await backend.store(this.outcomes.meta(msg, FAILURE, { exc_type: 'NotRegistered', exc_message: [msg.task], exc_module: 'celery.exceptions' }));
      const record: TaskRecord = { ...sentRecord(msg), state: FAILURE, worker: options.name, error: { type: 'NotRegistered', message: msg.task }, message: claim.raw };
      await records.write(record);
      return this.deadLetter(claim, 'unknown_task', `no task named ${JSON.stringify(msg.task)} is registered in this worker`);
    }
    if (this.deps.revocations.has(msg.id)) {
      log.info(`[Worker] Discarding revoked task: ${msg.task}[${msg.id}]`);
      events.sendTaskEvent('task-revoked', msg.id, { terminated: false, signum: null, expired: false });
      return this.revoked(claim, msg, info, 'revoked', null);
    }
    const now = Date.now();
    const expires = msg.expires ? parseCeleryIso(msg.expires) : null;
    if (expires !== null && expires <= now) {
      log.info(`[Worker] Discarding expired task ${msg.task}[${msg.id}]`);
      events.sendTaskEvent('task-revoked', msg.id, { terminated: false, signum: null, expired: true });
      return this.revoked(claim, msg, info, 'expired', null);
    }
    const eta = msg.eta ? parseCeleryIso(msg.eta) : null;
    if (msg.eta && eta === null) return this.deadLetter(claim, 'invalid_eta', `headers.eta ${JSON.stringify(msg.eta)} is not an ISO 8601 time`);
    if (eta !== null && eta > now + 5) {
      await this.deps.qos.schedule(claim, eta);
      this.deps.onScheduled(eta);
      log.debug(`[Worker] Task ${msg.task}[${msg.id}] scheduled for ${msg.eta}`);
      return;
    }
    // A rate-limited task waits for its bucket still claimed; others overtake it meanwhile.
    if (info.rateLimit && this.deps.limiter) {
      const go = this.deps.limiter.take(msg.task);
      if (!(go === true || (await go)) || this.abandoned) return; // stopping: the claim is handed back
    }
    await this.run(claim, msg, info);
  }

  private async run(claim: Claim, msg: TaskMessage, info: TaskInfo): Promise<void> {
    const { backend, options, events } = this.deps;
    if (this.logTasks) this.deps.log.info(`[Worker] Task ${msg.task}[${msg.id}] received`);
    if (events.taskEvents) events.sendTaskEvent('task-received', msg.id, {
      name: msg.task, args: msg.argsrepr, kwargs: msg.kwargsrepr, root_id: msg.rootId, parent_id: msg.parentId,
      retries: msg.retries, eta: msg.eta, expires: msg.expires,
      // Celery puts these in task-sent only; monitors (Flower's State, the control room) take them from here too.
      exchange: msg.exchange, routing_key: msg.routingKey,
    });
    if (info.trackStarted) await backend.store(this.outcomes.meta(msg, STARTED, { pid: process.pid, hostname: options.name }));
    if (!info.acksLate) await this.deps.qos.ack(claim.tag);
    const [hard, soft] = msg.timelimit;
    const job: Job = {
      taskId: msg.id,
      name: msg.task,
      args: msg.args,
      kwargs: msg.kwargs,
      retries: msg.retries,
      hardTimeLimit: hard ?? info.timeLimit ?? options.timeLimit ?? null,
      softTimeLimit: soft ?? info.softTimeLimit ?? options.softTimeLimit ?? null,
    };
    const started = Date.now();
    events.sendTaskEvent('task-started', msg.id);
    this.running.start(msg, started);
    // Made on the first report: most tasks never report progress.
    let progress = null as ProgressWriter | null;
    const outcome = await this.deps.pool.run(job, (meta) => (progress ??= throttledProgress((m) => this.writeProgress(msg, m), PROGRESS_INTERVAL_MS)).report(meta));
    // Writes still waiting must not land on top of the final state.
    this.running.end(msg.id);
    progress?.cancel();
    this.stats.processed++;
    await this.settle(claim, msg, info, { started, outcome });
  }

  private async settle(claim: Claim, msg: TaskMessage, info: TaskInfo, run: EndedRun): Promise<void> {
    if (this.abandoned) return;
    const { events, log } = this.deps;
    const { outcome } = run;
    if (this.terminated.delete(msg.id)) {
      events.sendTaskEvent('task-revoked', msg.id, { terminated: true, signum: 15, expired: false });
      return this.revoked(claim, msg, info, 'terminated', run);
    }
    const label = (): string => `${msg.task}[${msg.id}]`;
    switch (outcome.kind) {
      case 'rejected':
        this.stats.failed++;
        await this.outcomes.storeRejection(msg.id, 'EncodeError', 'kombu.exceptions', `the message was dead-lettered: ${outcome.reason}`);
        return this.deadLetter(claim, 'not_sendable_to_pool', outcome.reason);
      case 'success': {
        this.stats.succeeded++;
        if (events.taskEvents) events.sendTaskEvent('task-succeeded', msg.id, { result: pyRepr(outcome.value), runtime: outcome.runtime });
        if (this.logTasks) log.info(`[Worker] Task ${label()} succeeded in ${outcome.runtime.toFixed(6)}s: ${preview(outcome.value)}`);
        // Callbacks and the chain's next step go out before the result is stored, which lists them.
        const children = hasCanvas(msg) ? await this.canvas(msg, () => this.deps.afterTask.succeeded(msg, outcome.value)) : [];
        await this.chordPart(msg, SUCCESS, outcome.value);
        await this.outcomes.end(claim, msg, info, this.outcomes.meta(msg, SUCCESS, outcome.value, null, children ?? []), run);
        return;
      }
      case 'retry': {
        this.stats.retried++;
        events.sendTaskEvent('task-retried', msg.id, { exception: excRepr(outcome.error), traceback: outcome.error.traceback });
        const eta = toCeleryIso(new Date(Date.now() + outcome.countdown * 1000));
        // Re-published as Celery does: same id, retries + 1, parent = itself, a new delivery (its canvas rides on).
        await this.deps.publisher.publish({ ...msg, retries: msg.retries + 1, eta, parentId: msg.id, deliveryTag: randomUUID(), redelivered: false, origin: this.deps.options.name });
        if (this.logTasks) log.info(`[Worker] Task ${label()} retry: Retry in ${outcome.countdown}s: ${outcome.error.excType}('${String(outcome.error.excMessage[0] ?? '')}')`);
        return this.outcomes.end(claim, msg, info, this.outcomes.meta(msg, RETRY, infoToResult(outcome.error), outcome.error.traceback, [[[msg.id, null], null]]), run, true);
      }
      case 'lost':
        if (outcome.innocent || this.deps.options.onChildLost === 'redeliver') {
          log.warn(`[Worker] Task ${label()}: ${outcome.error.excMessage[0]}; handing it back to its queue`);
          await this.deps.qos.restore([claim.tag]);
          return;
        }
      // fall through: Celery's default is to fail it
      case 'failure': {
        this.stats.failed++;
        events.sendTaskEvent('task-failed', msg.id, { exception: excRepr(outcome.error), traceback: outcome.error.traceback });
        log.error(`[Worker] Task ${label()} raised unexpected: ${outcome.error.excType}('${String(outcome.error.excMessage[0] ?? '')}')`);
        const exc = infoToResult(outcome.error) as unknown as ExcInfo;
        await this.chordPart(msg, FAILURE, exc, outcome.error.traceback);
        await this.outcomes.end(claim, msg, info, this.outcomes.meta(msg, FAILURE, exc, outcome.error.traceback), run);
        if (hasCanvas(msg)) await this.canvas(msg, () => this.deps.afterTask.failed(msg));
        return;
      }
    }
  }

  /** Stores REVOKED (revoked, expired or terminated); a chord it is part of counts it, nothing else runs. */
  private async revoked(claim: Claim, msg: TaskMessage, info: TaskInfo, why: string, run: EndedRun | null): Promise<void> {
    const exc = { exc_type: 'TaskRevokedError', exc_message: [why], exc_module: 'celery.exceptions' };
    await this.chordPart(msg, REVOKED, exc);
    await this.outcomes.end(claim, msg, info, this.outcomes.meta(msg, REVOKED, exc), run);
  }

  /**
   * Counts the task in its chord, if it is in one, before its message is acked (and on failure
   * fails the chain's tail, counted in its chords): a worker killed after the ack and before
   * the count would leave the chord one short for ever, while one killed before the ack gets
   * the message back and counts it then (once per id). A malformed chord from another producer
   * is logged and dropped; a Redis error is thrown, so the message is not acked and its claim
   * comes back.
   */
  private async chordPart(msg: TaskMessage, state: string, result: unknown, traceback: string | null = null): Promise<void> {
    const tail = state === FAILURE && (msg.embed.chain?.length ?? 0) > 0;
    if (!tail && (msg.embed.chord === null || msg.group === null)) return;
    try {
      await this.deps.afterTask.chordPart(msg, state, result);
      if (tail) await this.deps.afterTask.chainFailed(msg, result as ExcInfo, traceback);
    } catch (err) {
      if (!(err instanceof CeleriacError)) throw err;
      this.deps.log.error(`[Worker] Task ${msg.task}[${msg.id}]: its chord or chain could not be continued: ${err.message}`);
    }
  }

  /**
   * Runs a canvas step. One that cannot be applied (a malformed signature from another
   * producer) is logged and dropped: it must not cost the task its result or the worker its life.
   */
  private async canvas<T>(msg: TaskMessage, step: () => Promise<T>): Promise<T | undefined> {
    try {
      return await step();
    } catch (err) {
      this.deps.log.error(`[Worker] Task ${msg.task}[${msg.id}]: its canvas could not be continued: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** A PROGRESS result, and the record too, so the control room's list draws a progress bar. */
  private writeProgress(msg: TaskMessage, meta: Record<string, unknown>): void {
    this.deps.backend.store(this.outcomes.meta(msg, PROGRESS, meta)).catch(() => undefined);
    const run = this.running.get(msg.id);
    if (run) run.recorded = true; // a STARTED record would only step back
    const progress = { current: Number(meta.current ?? 0), total: Number(meta.total ?? 0) };
    const record: TaskRecord = { ...sentRecord(msg), state: PROGRESS, worker: this.deps.options.name, started: run?.started, progress };
    this.deps.records.write(record).catch(() => undefined);
  }

  /**
   * A message dead-lettered for a delivery tag already claimed by another: when that other one
   * is another task, this task will never run, so its caller is told. (The same task claimed
   * twice, e.g. restored while it ran, is left to the copy that runs.)
   */
  private async failDuplicate(claim: Claim): Promise<void> {
    const decoded = decodeTaskMessage(claim.raw);
    if (!decoded.ok) return;
    const holder = await this.deps.qos.claimed(decoded.message.deliveryTag);
    if (holder === null || peekTaskId(holder) === decoded.message.id) return;
    const why = `the message was dead-lettered: its delivery tag ${decoded.message.deliveryTag} is already claimed by another message`;
    await this.outcomes.storeRejection(decoded.message.id, 'DuplicateDeliveryTag', 'celeriac', why);
  }

  private async deadLetter(claim: Claim, reason: string, detail: string): Promise<void> {
    this.stats.deadLettered++;
    await this.deps.qos.deadLetter(claim.tag, { reason, detail, raw: claim.raw, queue: queueOfListKey(claim.list), time: Date.now() / 1000, worker: this.deps.options.name });
    this.deps.log.error(`[Worker] Dead-lettered a message from ${queueOfListKey(claim.list)}: ${reason}: ${detail}`);
  }
}
