/**
 * Applies a signature as Celery's `apply_async` does (Celery's canvas.py): a
 * plain task is one message; a chain sends its first step with the rest in `embed.chain`; a
 * group sends every member with its group id; a chord writes its size, then sends its header
 * members, each carrying the body. Used by the producer API and by a worker continuing a
 * canvas, through a CanvasSender that says how each sends.
 */
import { randomUUID } from 'node:crypto';
import { CanvasError } from '../errors.js';
import { buildTaskMessage, type ProducerIdentity, type SendOptions } from '../protocol/build.js';
import type { TaskMessage } from '../protocol/types.js';
import type { Destination } from '../routing/router.js';
import type { ExchangeType, Route } from '../routing/routes.js';
import { groupTuple, taskTuple, type ResultTuple } from './result-tuple.js';
import { checkDepth, frozenId, kindOf, tasksOf, toSignatureDict, toSignatureList, withOptions, type SignatureDict } from './signature-dict.js';

/** How messages leave: the app's publisher for a producer, a once-only one for a worker. */
export interface CanvasSender {
  identity: ProducerIdentity;
  /**
   * Where a task's message goes, given what its signature and the call say: the sender's app
   * routes the rest (the task's declared queue, taskRoutes, defaultQueue). For a worker that
   * is the worker's app, as Celery routes follow-ups by the worker's configuration.
   */
  route(task: string, args: readonly unknown[], kwargs: Record<string, unknown>, given: Route): Destination;
  publish(msg: TaskMessage): Promise<void>;
  /** Writes a chord's size (`celery-taskset-meta-<gid>.s`). */
  setChordSize(groupId: string, size: number): Promise<void>;
}

/** The call: partial arguments and the options apply_async was given. */
export interface ApplyCall {
  /** Prepended to the signature's args (unless it is immutable). */
  args?: unknown[];
  /** parent_id, root_id, priority, chain, task_id, ... as Celery's option names. */
  options?: Record<string, unknown>;
}

/** What applying sent: the tuple for the caller's `children`, and the id a caller waits on. */
export interface Applied {
  /** The first thing sent (a task, or a group's / chord header's tuple). */
  sent: ResultTuple;
  /** The result a caller waits on: the last step of a chain, the body of a chord, the group. */
  result: ResultTuple;
}

export async function applySignature(sig: SignatureDict, call: ApplyCall, sender: CanvasSender, depth = 0): Promise<Applied> {
  checkDepth(depth);
  switch (kindOf(sig)) {
    case 'task': {
      const msg = messageOf(sig, call, sender);
      await sender.publish(msg);
      const t = taskTuple(msg.id);
      return { sent: t, result: t };
    }
    case 'chain':
      return applyChain(sig, call, sender, depth);
    case 'group':
      return applyGroup(sig, call, sender, depth);
    case 'chord':
      return applyChord(sig, call, sender, depth);
  }
}

/** A signature's options merged with a call's: the call wins, but a group_id already set stays; nulls dropped. */
export function mergeOptions(own: Record<string, unknown>, call: Record<string, unknown> = {}): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(own)) if (v !== null && v !== undefined) merged[k] = v;
  for (const [k, v] of Object.entries(call)) {
    if (v === null || v === undefined) continue;
    if (k === 'group_id' && merged.group_id !== undefined) continue;
    merged[k] = v;
  }
  return merged;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The message of a plain task signature. @throws CanvasError, NotSerializableError */
export function messageOf(sig: SignatureDict, call: ApplyCall, sender: CanvasSender): TaskMessage {
  const o = mergeOptions(sig.options, call.options);
  const args = sig.immutable ? sig.args : [...(call.args ?? []), ...sig.args];
  const expires = o.expires;
  const dest = sender.route(sig.task, args, sig.kwargs, {
    queue: str(o.queue),
    exchange: str(o.exchange),
    routingKey: str(o.routing_key),
    exchangeType: str(o.exchange_type) as ExchangeType | undefined,
    priority: num(o.priority),
  });
  const send: SendOptions = {
    taskId: str(o.task_id),
    queue: dest.queue,
    exchange: dest.exchange,
    routingKey: dest.routingKey,
    exchangeType: dest.exchangeType,
    priority: dest.priority,
    countdown: num(o.countdown),
    eta: str(o.eta),
    expires: typeof expires === 'number' || typeof expires === 'string' ? expires : undefined,
    ignoreResult: o.ignore_result === true ? true : undefined,
    timeLimit: num(o.time_limit),
    softTimeLimit: num(o.soft_time_limit),
    rootId: str(o.root_id),
    parentId: str(o.parent_id),
    group: str(o.group_id),
    groupIndex: num(o.group_index),
    shadow: str(o.shadow),
  };
  const msg = buildTaskMessage(sig.task, args, sig.kwargs, send, sender.identity);
  const chain = o.chain === undefined ? null : toSignatureList(o.chain, `${sig.task}.options.chain`);
  const link = toSignatureList(o.link, `${sig.task}.options.link`);
  const linkError = toSignatureList(o.link_error, `${sig.task}.options.link_error`);
  const chord = o.chord === undefined ? null : toSignatureDict(o.chord, `${sig.task}.options.chord`);
  if (chain || link.length || linkError.length || chord) {
    msg.embed = { callbacks: link.length ? link : null, errbacks: linkError.length ? linkError : null, chain, chord };
  }
  const replyTo = str(o.reply_to);
  if (replyTo) msg.replyTo = replyTo;
  return msg;
}

/** A chain's steps, nested chains spliced in. */
function stepsOf(sig: SignatureDict, depth: number): SignatureDict[] {
  return tasksOf(sig, depth).flatMap((s) => (kindOf(s) === 'chain' ? stepsOf(s, depth + 1) : [s]));
}

/** A group's members, nested groups flattened. */
function membersOf(sig: SignatureDict, depth: number): SignatureDict[] {
  return tasksOf(sig, depth).flatMap((s) => (kindOf(s) === 'group' ? membersOf(s, depth + 1) : [s]));
}

export function chainSignature(steps: SignatureDict[], options: Record<string, unknown> = {}): SignatureDict {
  return { task: 'celery.chain', args: [], kwargs: { tasks: steps }, options, subtask_type: 'chain', immutable: false };
}

export function groupSignature(tasks: SignatureDict[], options: Record<string, unknown> = {}): SignatureDict {
  return { task: 'celery.group', args: [], kwargs: { tasks }, options, subtask_type: 'group', immutable: false };
}

export function chordSignature(header: SignatureDict, body: SignatureDict, options: Record<string, unknown> = {}): SignatureDict {
  return { task: 'celery.chord', args: [], kwargs: { header, body, kwargs: {} }, options, subtask_type: 'chord', immutable: false };
}

/**
 * Gives a signature the id its result will have, where it has none: a task its own, a chain
 * its last step's, a chord its body's, a group its group id. @param id the id to give, if free
 */
export function freeze(sig: SignatureDict, id: string = randomUUID(), depth = 0): SignatureDict {
  checkDepth(depth);
  switch (kindOf(sig)) {
    case 'task':
    case 'group':
      return frozenId(sig) ? sig : withOptions(sig, { task_id: id });
    case 'chain': {
      const steps = tasksOf(sig, depth);
      if (steps.length === 0) return sig;
      const last = freeze(steps[steps.length - 1]!, id, depth + 1);
      return { ...sig, kwargs: { ...sig.kwargs, tasks: [...steps.slice(0, -1), last] } };
    }
    case 'chord':
      return { ...sig, kwargs: { ...sig.kwargs, body: freeze(toSignatureDict(sig.kwargs.body, 'celery.chord.body'), id, depth + 1) } };
  }
}

/** The id a caller of this (frozen) signature waits on: see freeze. */
export function resultIdOf(sig: SignatureDict, depth = 0): string | undefined {
  checkDepth(depth);
  switch (kindOf(sig)) {
    case 'task':
    case 'group':
      return frozenId(sig);
    case 'chain': {
      const steps = tasksOf(sig, depth);
      return steps.length ? resultIdOf(steps[steps.length - 1]!, depth + 1) : undefined;
    }
    case 'chord':
      return resultIdOf(toSignatureDict(sig.kwargs.body, 'celery.chord.body'), depth + 1);
  }
}

async function applyChain(sig: SignatureDict, call: ApplyCall, sender: CanvasSender, depth: number): Promise<Applied> {
  const o = mergeOptions(sig.options, call.options);
  let steps = stepsOf(sig, depth + 1);
  if (steps.length === 0) throw new CanvasError('a chain needs at least one step');
  // A group followed by anything becomes a chord whose body is the rest (prepare_steps).
  const g = steps.findIndex((s, i) => i < steps.length - 1 && kindOf(s) === 'group');
  if (g >= 0) {
    const rest = steps.slice(g + 1);
    steps = [...steps.slice(0, g), chordSignature(steps[g]!, rest.length === 1 ? rest[0]! : chainSignature(rest), { task_id: frozenId(steps[g]!) })];
  }
  const last = steps.length - 1;
  steps = steps.map((s, i) => {
    let step = s;
    // task_id names the last step; link goes there too; link_error onto every step.
    if (i === last && str(o.task_id) && kindOf(step) === 'task' && !frozenId(step)) step = withOptions(step, { task_id: o.task_id });
    if (i === last && o.link !== undefined) step = withOptions(step, { link: [...toSignatureList(step.options.link, 'link'), ...toSignatureList(o.link, 'link')] });
    if (o.link_error !== undefined) step = withOptions(step, { link_error: [...toSignatureList(step.options.link_error, 'link_error'), ...toSignatureList(o.link_error, 'link_error')] });
    return freeze(step);
  });
  const [first, ...rest] = steps as [SignatureDict, ...SignatureDict[]];
  // Popped from the end: the next step is the last element; an outer chain's rest runs after ours.
  const chain = [...toSignatureList(o.chain, 'chain'), ...rest.reverse()];
  const forward: Record<string, unknown> = { parent_id: o.parent_id, root_id: o.root_id, priority: o.priority, chain };
  const sent = await applySignature(first, { args: call.args, options: forward }, sender, depth + 1);
  // The last step's result, with its parents: what chain(...).apply_async() returns.
  let result: ResultTuple | null = null;
  for (const s of steps) {
    const id = resultIdOf(s);
    result = id ? taskTuple(id, result) : sent.result;
  }
  return { sent: sent.sent, result: result! };
}

async function applyGroup(sig: SignatureDict, call: ApplyCall, sender: CanvasSender, depth: number): Promise<Applied> {
  const o = mergeOptions(sig.options, call.options);
  const groupId = str(sig.options.task_id) ?? str(call.options?.task_id) ?? randomUUID();
  const members = membersOf(sig, depth + 1);
  const forward = { parent_id: o.parent_id, root_id: o.root_id, priority: o.priority };
  const results: ResultTuple[] = [];
  for (const m of members) results.push((await applySignature(withOptions(m, { group_id: m.options.group_id ?? groupId }), { args: call.args, options: forward }, sender, depth + 1)).result);
  const t = groupTuple(groupId, results);
  return { sent: t, result: t };
}

async function applyChord(sig: SignatureDict, call: ApplyCall, sender: CanvasSender, depth: number): Promise<Applied> {
  const rawHeader = sig.kwargs.header;
  const header = Array.isArray(rawHeader) ? groupSignature(toSignatureList(rawHeader, 'celery.chord.header')) : toSignatureDict(rawHeader, 'celery.chord.header');
  const c = call.options ?? {};
  const groupId = str(header.options.task_id) ?? str(sig.options.task_id) ?? randomUUID();
  let body = freeze(toSignatureDict(sig.kwargs.body, 'celery.chord.body'), str(c.task_id));
  const bodyId = resultIdOf(body)!;
  // What is passed to the chord goes to its body: a chain after the chord rides there.
  body = withOptions(body, { parent_id: c.parent_id, root_id: c.root_id, chain: c.chain, priority: c.priority });
  const members = kindOf(header) === 'group' ? membersOf(header, depth + 1) : [header];
  if (members.length === 0) {
    const applied = await applySignature(body, { args: [[]] }, sender, depth + 1);
    return { sent: applied.sent, result: applied.result };
  }
  const size = members.reduce((n, m) => n + descend(m, depth + 1), 0);
  const forward = { parent_id: c.parent_id, root_id: c.root_id, priority: c.priority };
  const results: ResultTuple[] = [];
  for (let i = 0; i < members.length; i++) {
    // Written before the last header message can finish, as Celery does.
    if (i === members.length - 1) await sender.setChordSize(groupId, size);
    const member = chordMember(members[i]!, groupId, i, body, depth + 1);
    results.push((await applySignature(member, { args: call.args, options: forward }, sender, depth + 1)).result);
  }
  return { sent: groupTuple(groupId, results), result: taskTuple(bodyId) };
}

/** A header member marked as a chord part; a chain carries the marks on its last step. */
function chordMember(m: SignatureDict, groupId: string, index: number, body: SignatureDict, depth: number): SignatureDict {
  const marks = { group_id: groupId, group_index: index, chord: body };
  switch (kindOf(m)) {
    case 'task':
      return withOptions(m, marks);
    case 'chain': {
      const steps = stepsOf(m, depth);
      if (steps.length === 0) throw new CanvasError('a chain in a chord header needs at least one step');
      steps[steps.length - 1] = chordMember(steps[steps.length - 1]!, groupId, index, body, depth + 1);
      return chainSignature(steps, m.options);
    }
    default:
      throw new CanvasError(`a ${kindOf(m)} inside a chord header is not supported; put a plain task or a chain there`);
  }
}

/** How many parts a header member counts for (`_chord._descend`). */
function descend(m: SignatureDict, depth: number): number {
  checkDepth(depth);
  switch (kindOf(m)) {
    case 'task':
      return 1;
    case 'group':
      return membersOf(m, depth).reduce((n, x) => n + descend(x, depth + 1), 0);
    case 'chain': {
      const steps = stepsOf(m, depth);
      return steps.length ? descend(steps[steps.length - 1]!, depth + 1) : 0;
    }
    case 'chord':
      return descend(toSignatureDict(m.kwargs.body, 'celery.chord.body'), depth + 1);
  }
}
