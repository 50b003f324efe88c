/** Queues: list, browse their waiting messages and act on them, pause, resume, purge. */
import { z } from 'zod';
import { queueName, noInput } from './fields.js';
import type { QueueInfo } from '../../../core/broker/queue-list.js';
import type { BulkOutcome, MovedMessage } from '../../../core/broker/queue-message-actions.js';
import { MESSAGE_SELECTION_LIMIT } from '../limits.js';
import type { QueuedMessageDetail, QueuePageView } from '../types/queue-messages.js';
import type { HeldByWorkersPage } from '../types/held-messages.js';

/** A message as a page listed it: its key (the SHA-1 of the message as stored) and, to find it fast, its position. */
const messageKey = z.string().regex(/^[0-9a-f]{40}$/, 'a message key is 40 hex digits, as listed');
const shownMessage = { queue: queueName, key: messageKey, position: z.number().int().min(0).optional() };
/** One of kombu's priority steps (a queue's sub-lists). */
const priorityStep = z.union([z.literal(0), z.literal(3), z.literal(6), z.literal(9)]);
/** `name:x`, `id:x` (a trailing * matches any rest), -name:x, free words over args and kwargs. */
const messageSearch = z.string().min(1).max(2000);
/** A bulk action's search: one of only spaces would match every message, so it needs a term. */
const bulkSearch = messageSearch.regex(/\S/, 'a search needs at least one term: to act on all, select them');
/**
 * A bulk action's messages: those selected (`keys` as listed), or those a `search` matches
 * (within `priority`'s step when given) among the first it reads; one or the other.
 * `confirm: true` is the UI's confirmation made explicit in the call.
 */
const selection = {
  queue: queueName, keys: z.array(messageKey).min(1).max(MESSAGE_SELECTION_LIMIT).optional(), search: bulkSearch.optional(),
  priority: priorityStep.optional(), confirm: z.literal(true),
};
/**
 * A queue a message is moved to: not one of the keys kombu and Celeriac keep beside the queues
 * (a push there would fail on another type, or corrupt what workers hold), and no priority-step
 * list's name (the separator is kombu's own).
 */
const RESERVED_KEYS = new Set(['unacked', 'unacked_index', 'unacked_mutex']);
const moveTarget = queueName
  .refine((q) => !q.includes('\x06\x16'), 'a queue name holds no \\x06\\x16 (the priority-step separator)')
  .refine((q) => !RESERVED_KEYS.has(q) && !q.startsWith('_kombu.') && !q.startsWith('celeriac:'), 'that name is kept for kombu or Celeriac, not a queue');
const notToItself = (i: { queue: string; to: string }): boolean => i.queue !== i.to;
const notToItselfSaid = { message: 'a message is moved to another queue (run now takes it next in its own)', path: ['to'] };
const keysOrSearch = (i: { keys?: unknown; search?: unknown }): boolean => (i.keys === undefined) !== (i.search === undefined);
const keysOrSearchSaid = { message: 'give either keys (the messages selected) or search (the messages it matches)', path: ['keys'] };

export const queuesMethods = {
  'queues:list': {
    reads: true,
    input: noInput,
    output: undefined as unknown as QueueInfo[],
  },
  'queues:browse': {
    reads: true,
    // A page of the waiting messages in the order workers take them; `priority` keeps one step,
    // `search` keeps the matches among the first messages it reads (the answer's `scan` says how many).
    input: z.object({
      queue: queueName, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(50),
      priority: priorityStep.optional(), search: messageSearch.optional(),
    }).strict(),
    output: undefined as unknown as QueuePageView,
  },
  'queues:message': {
    reads: true,
    // One waiting message whole. Error E_MESSAGE_CHANGED when it is no longer there as shown.
    input: z.object(shownMessage).strict(),
    output: undefined as unknown as QueuedMessageDetail,
  },
  'queues:deleteMessage': {
    // Each message action acts on the very message shown, or fails with E_MESSAGE_CHANGED.
    input: z.object(shownMessage).strict(),
    output: undefined as unknown as { deleted: string },
  },
  'queues:moveMessage': {
    // To another queue, in the same priority step, after those waiting there.
    input: z.object({ ...shownMessage, to: moveTarget }).strict().refine(notToItself, notToItselfSaid),
    output: undefined as unknown as MovedMessage,
  },
  'queues:runNow': {
    // Taken next: to the consuming end of its queue's first-served priority list.
    input: z.object(shownMessage).strict(),
    output: undefined as unknown as MovedMessage,
  },
  'queues:deleteMessages': {
    input: z.object(selection).strict().refine(keysOrSearch, keysOrSearchSaid),
    output: undefined as unknown as BulkOutcome,
  },
  'queues:moveMessages': {
    input: z.object({ ...selection, to: moveTarget }).strict().refine(keysOrSearch, keysOrSearchSaid).refine(notToItself, notToItselfSaid),
    output: undefined as unknown as BulkOutcome,
  },
  'queues:held': {
    reads: true,
    // What the workers hold (kombu's `unacked`), oldest claim first, each with its owner; a queue's only when named.
    input: z.object({ queue: queueName.optional(), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(50) }).strict(),
    output: undefined as unknown as HeldByWorkersPage,
  },
  'queues:pause': {
    // Celeriac workers stop consuming it at once; the Python workers consuming it are sent cancel_consumer.
    input: z.object({ queue: queueName }).strict(),
    output: undefined as unknown as { paused: string; told: string[] },
  },
  'queues:resume': {
    input: z.object({ queue: queueName }).strict(),
    output: undefined as unknown as { resumed: string; told: string[] },
  },
  'queues:purge': {
    // `confirm: true` is the UI's confirmation made explicit in the call.
    input: z.object({ queue: queueName, confirm: z.literal(true) }).strict(),
    output: undefined as unknown as { purged: number },
  },
} as const;
