/**
 * Celery's canvas for TypeScript callers: `task.s()` / `task.si()` / `app.signature()`, and
 * `chain`, `group`, `chord`. A Signature holds Celery's signature dict (what travels in
 * messages) and the app it is sent through; applying one is apply-signature.ts's.
 */
import { randomUUID } from 'node:crypto';
import { AsyncResult } from '../backend/async-result.js';
import { GroupResult } from '../backend/group-result.js';
import type { RedisBackend } from '../backend/redis-backend.js';
import { ConfigurationError } from '../errors.js';
import { checkArguments, type ProducerIdentity, type SendOptions } from '../protocol/build.js';
import { toCeleryIso } from '../protocol/time.js';
import type { TaskMessage } from '../protocol/types.js';
import type { Destination } from '../routing/router.js';
import type { Route } from '../routing/routes.js';
import { applySignature, chainSignature, chordSignature, freeze, groupSignature, type CanvasSender } from './apply-signature.js';
import type { ResultTuple } from './result-tuple.js';
import { tasksOf, toSignatureList, withOptions, type SignatureDict } from './signature-dict.js';

/** What a signature needs of its app (kept apart from app.ts, which builds signatures). */
export interface CanvasApp {
  readonly identity: ProducerIdentity;
  readonly backend: RedisBackend;
  readonly control: { revoke(ids: string[], options?: { terminate?: boolean }): Promise<unknown> };
  route(name: string, args: readonly unknown[], kwargs: Record<string, unknown>, given: Route): Destination;
  publishMessage(msg: TaskMessage): Promise<void>;
}

/** Options a signature carries, as apply_async's (camelCase); sent under Celery's names. */
export type SignatureOptions = Pick<SendOptions, 'taskId' | 'queue' | 'exchange' | 'routingKey' | 'exchangeType' | 'priority' | 'countdown' | 'eta' | 'expires' | 'timeLimit' | 'softTimeLimit' | 'ignoreResult' | 'shadow'>;

const OPTION_NAMES: Record<keyof SignatureOptions, string> = {
  taskId: 'task_id', queue: 'queue', exchange: 'exchange', routingKey: 'routing_key', exchangeType: 'exchange_type', priority: 'priority', countdown: 'countdown', eta: 'eta', expires: 'expires',
  timeLimit: 'time_limit', softTimeLimit: 'soft_time_limit', ignoreResult: 'ignore_result', shadow: 'shadow',
};

/** Celery's option dict of camelCase options (times as ISO strings). */
export function celeryOptions(options: SignatureOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options) as Array<[keyof SignatureOptions, unknown]>) {
    if (v === undefined) continue;
    const name = OPTION_NAMES[k];
    if (!name) throw new ConfigurationError(`unknown signature option ${k}`);
    out[name] = v instanceof Date ? toCeleryIso(v) : v;
  }
  return out;
}

/** How an app sends a canvas: its publisher (records included), its backend for chord sizes. */
function senderOf(app: CanvasApp): CanvasSender {
  return {
    identity: app.identity,
    route: (task, args, kwargs, given) => app.route(task, args, kwargs, given),
    publish: (msg) => app.publishMessage(msg),
    setChordSize: (groupId, size) => app.backend.setChordSize(groupId, size),
  };
}

/** Results from what applying returned: the chain of parents, or a group's members. */
function resultOf(tuple: ResultTuple, app: CanvasApp): AsyncResult {
  const [[id, parent]] = tuple;
  return new AsyncResult(id, app.backend, parent ? resultOf(parent, app) : null);
}

/** @typeParam R the value it returns; Res what applying it gives (a GroupResult for a group) */
export class Signature<R = unknown, Res = AsyncResult<R>> {
  /** @param dict Celery's signature dict; copied, never shared */
  constructor(protected dict: SignatureDict, protected readonly app: CanvasApp) {}

  get name(): string {
    return this.dict.task;
  }

  get args(): readonly unknown[] {
    return this.dict.args;
  }

  get kwargs(): Readonly<Record<string, unknown>> {
    return this.dict.kwargs;
  }

  get options(): Readonly<Record<string, unknown>> {
    return this.dict.options;
  }

  get immutable(): boolean {
    return this.dict.immutable;
  }

  /** Sets options (task id, queue, priority, countdown, eta, expires, ...). Returns this. */
  set(options: SignatureOptions): this {
    this.dict = withOptions(this.dict, celeryOptions(options));
    return this;
  }

  /** Applies `other` with this one's result when it succeeds (Celery's link). Returns this. */
  link(other: Signature): this {
    this.dict = withOptions(this.dict, { link: [...toSignatureList(this.dict.options.link, 'link'), other.toJSON()] });
    return this;
  }

  /** Applies `other` with this one's task id when it fails (Celery's link_error). Returns this. */
  linkError(other: Signature): this {
    this.dict = withOptions(this.dict, { link_error: [...toSignatureList(this.dict.options.link_error, 'link_error'), other.toJSON()] });
    return this;
  }

  /** Sends it, with these arguments before its own (unless immutable). */
  delay(...args: unknown[]): Promise<Res> {
    return this.applyAsync(args);
  }

  /** Sends it: partial args before its own, kwargs merged, options over its own. */
  async applyAsync(args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: SignatureOptions = {}): Promise<Res> {
    checkArguments(this.dict.task, args, kwargs);
    const dict = Object.keys(kwargs).length ? { ...this.dict, kwargs: { ...this.dict.kwargs, ...kwargs } } : this.dict;
    const applied = await applySignature(freeze(dict), { args, options: celeryOptions(options) }, senderOf(this.app));
    return this.resultOf(applied.result);
  }

  /** The result handle of what applying returned. */
  protected resultOf(tuple: ResultTuple): Res {
    return resultOf(tuple, this.app) as Res;
  }

  /** Celery's signature dict, as it travels in messages. */
  toJSON(): SignatureDict {
    return this.dict;
  }
}

/** A group's signature: applying it gives a GroupResult. */
export class GroupSignature<R = unknown> extends Signature<R[], GroupResult<R>> {
  protected override resultOf(tuple: ResultTuple): GroupResult<R> {
    const [[id], members] = tuple;
    return new GroupResult<R>(id, (members ?? []).map((m) => resultOf(m, this.app)) as AsyncResult<R>[], this.app.backend, this.app.control);
  }
}

/** A signature of a task the app knows, or only another worker does. Arguments are checked for JSON now. */
export function signature<R = unknown>(app: CanvasApp, name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: SignatureOptions = {}, immutable = false): Signature<R> {
  checkArguments(name, args, kwargs);
  return new Signature<R>({ task: name, args, kwargs, options: celeryOptions(options), subtask_type: null, immutable }, app);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySignature = Signature<any, any>;

function appOf(sigs: readonly AnySignature[], what: string): CanvasApp {
  const first = sigs[0];
  if (!first) throw new ConfigurationError(`${what} needs at least one signature`);
  return (first as unknown as { app: CanvasApp }).app;
}

/** Runs each step with the previous step's result before its own args. Its result is the last step's. */
export function chain<R = unknown>(...steps: AnySignature[]): Signature<R> {
  const app = appOf(steps, 'chain');
  return new Signature<R>(chainSignature(steps.map((s) => s.toJSON())), app);
}

/** Runs every member at once; applying it gives a GroupResult. */
export function group<R = unknown>(members: AnySignature[]): GroupSignature<R> {
  const app = appOf(members, 'group');
  return new GroupSignature<R>(groupSignature(members.map((s) => s.toJSON()), { task_id: randomUUID() }), app);
}

/** Runs the header as a group, then the body with the list of their results. Its result is the body's. */
export function chord<R = unknown>(header: AnySignature[] | GroupSignature, body: AnySignature): Signature<R> {
  const members = Array.isArray(header) ? header.map((s) => s.toJSON()) : tasksOf(header.toJSON(), 0);
  const app = (body as unknown as { app: CanvasApp }).app;
  return new Signature<R>(chordSignature(groupSignature(members, { task_id: randomUUID() }), body.toJSON()), app);
}
