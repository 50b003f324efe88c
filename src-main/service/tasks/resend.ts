/**
 * Edit and resend: a task's call, edited, sent again either as a new task (a new id, the
 * original left as it is and linked both ways in the history) or in place (a retry with the
 * edits: the same id, `retries` + 1, as task-retry.ts sends it). Messages are built as core
 * builds them; a kept message's serializer and compression are kept where core can write them,
 * a rebuilt one (a Python task's) is written as the room writes its own.
 */
import { randomUUID } from 'node:crypto';
import type { App } from '../../core/app.js';
import { resolveCompression } from '../../core/protocol/compression.js';
import type { SendOptions } from '../../core/protocol/build.js';
import { argsRepr, kwargsRepr } from '../../core/protocol/pyrepr.js';
import { parseCeleryIso, toCeleryIso } from '../../core/protocol/time.js';
import type { TaskMessage } from '../../core/protocol/types.js';
import type { TaskParam } from '../../core/task.js';
import type { HistoryFace, HistoryReader } from '../history/history-reader.js';
import type { CannotRetryCode } from '../contract/types/tasks.js';
import type { ResendDraft, ResendOutcome, ResendRefusal } from '../contract/types/resend.js';
import { planRetry, type RetryFacts } from './retry-plan.js';
import { callOf, readFacts } from './resend-call.js';

/** What the user edited and how it is to be sent (the `tasks:resend` input). */
export interface ResendEdit {
  id: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  queue?: string;
  priority?: number;
  countdown?: number;
  eta?: string;
  mode: 'new' | 'in-place';
}

/** A retry's refusals that edits lift: the user gives the arguments and the queue. */
const EDITS_LIFT = new Set<CannotRetryCode>(['no_arguments', 'arguments_cut', 'not_literal', 'ambiguous', 'not_json', 'unreadable', 'no_queue']);

/** Why a task cannot be retried in place even with edits (not failed, revoked, a rebuilt workflow step), or null. */
function inPlaceRefusal(f: RetryFacts): ResendRefusal | null {
  const plan = planRetry(f);
  return plan.ok || EDITS_LIFT.has(plan.code) ? null : { code: plan.code, message: plan.message };
}

/** What "Edit and resend" starts from. */
export async function resendDraft(app: App, history: HistoryReader, declaredParams: (task: string) => Promise<readonly TaskParam[]>, id: string): Promise<ResendDraft> {
  const facts = await readFacts(app, history, id);
  const call = callOf(facts);
  const params = call.name ? await declaredParams(call.name).catch(() => []) : [];
  return {
    id, name: call.name, args: call.args, kwargs: call.kwargs, from: call.from, queue: call.queue, priority: call.priority, eta: call.eta,
    serializer: call.message?.serializer ?? app.wireFormat.serializer,
    params: params.length > 0 ? [...params] : null,
    argumentsUnknown: call.argumentsUnknown,
    inPlaceRefused: inPlaceRefusal(facts),
  };
}

/**
 * Sends a task again with the user's edits, and hands the link between the two to the
 * history's feed. @throws Error saying why it cannot be sent (nothing was)
 */
export async function resendTask(app: App, history: HistoryFace, edit: ResendEdit): Promise<ResendOutcome> {
  const facts = await readFacts(app, history, edit.id);
  const call = callOf(facts);
  if (!call.name) throw new Error(`task ${edit.id} cannot be sent again: ${call.argumentsUnknown?.message ?? 'no task name is known'}`);
  const queue = edit.queue ?? call.queue;
  if (!queue) throw new Error(`task ${edit.id}: the queue it came from is not known; choose one`);
  const at = Date.now() / 1000;
  if (edit.mode === 'new') {
    const sent = await app.sendTask(call.name, edit.args, edit.kwargs, { ...wireOf(call.message), queue, priority: edit.priority ?? call.priority, countdown: edit.countdown, eta: edit.eta });
    history.handResend({ from: edit.id, to: sent.id, mode: 'new', at });
    return { id: sent.id, mode: 'new', queue };
  }
  const refused = inPlaceRefusal(facts);
  if (refused) throw new Error(`task ${edit.id} cannot be retried in place: ${refused.message}`);
  const retries = (call.message?.retries ?? (typeof facts.meta?.retries === 'number' ? facts.meta.retries : facts.history?.retries ?? 0)) + 1;
  // Built before anything is cleared: an edit that cannot be sent leaves the stored result as it was.
  const message = call.message ? editedMessage(call.message, edit, queue, retries) : null;
  // Its stored result is cleared first, so it reads PENDING until the new run ends.
  await app.backend.forget(edit.id);
  if (message) {
    await app.publishMessage(message);
  } else {
    // A rebuilt call carries no workflow (in-place refuses a rebuilt workflow step): no links to keep.
    await app.sendTask(call.name, edit.args, edit.kwargs, { taskId: edit.id, queue, retries, priority: edit.priority ?? call.priority, countdown: edit.countdown, eta: edit.eta });
  }
  history.handResend({ from: edit.id, to: edit.id, mode: 'in-place', at });
  return { id: edit.id, mode: 'in-place', queue };
}

/** A kept message's serializer and compression, where core can write them; the room's own otherwise. */
function wireOf(message: TaskMessage | null): Pick<SendOptions, 'serializer' | 'compression'> {
  if (!message) return {};
  let compression = '';
  if (message.compression) {
    try {
      compression = resolveCompression(message.compression);
    } catch {
      // A compressor core reads but cannot write (bzip2, lzma): sent uncompressed, which every worker takes.
    }
  }
  return { serializer: message.serializer ?? 'json', compression };
}

/**
 * A kept message with the edits, as a retry sends it: its workflow links, headers and wire
 * format kept; the arguments, queue, priority and ETA replaced; retries + 1.
 */
function editedMessage(m: TaskMessage, edit: ResendEdit, queue: string, retries: number): TaskMessage {
  const sameQueue = queue === m.routingKey || (m.exchange !== '' && edit.queue === undefined);
  return {
    ...m, compression: wireOf(m).compression || null,
    args: edit.args, kwargs: edit.kwargs, argsrepr: argsRepr(edit.args), kwargsrepr: kwargsRepr(edit.kwargs),
    exchange: sameQueue ? m.exchange : '', routingKey: sameQueue ? m.routingKey : queue,
    priority: edit.priority ?? m.priority, eta: etaOf(edit), retries, deliveryTag: randomUUID(), redelivered: false,
  };
}

function etaOf(edit: Pick<ResendEdit, 'countdown' | 'eta'>): string | null {
  if (edit.countdown !== undefined) return toCeleryIso(new Date(Date.now() + edit.countdown * 1000));
  if (edit.eta === undefined) return null;
  const ms = parseCeleryIso(edit.eta);
  if (ms === null) throw new Error(`eta ${edit.eta} is not an ISO 8601 time`);
  return toCeleryIso(new Date(ms));
}
