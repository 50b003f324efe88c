/**
 * The queue browser's methods: core reads and acts on the waiting messages (the service names
 * no Redis key); the service adds what only the history knows, each message's age.
 */
import { browseQueue, type QueuedMessage } from '../../core/broker/queue-messages.js';
import { QueueMessageActions, type MessageSelection } from '../../core/broker/queue-message-actions.js';
import type { PriorityStep } from '../../core/broker/queue-scan.js';
import { describeMessage } from '../../core/broker/queued-message.js';
import { prettyMessage } from '../../core/broker/dead-letter-page.js';
import type { HistoryFace } from '../history/history-reader.js';
import { MESSAGE_SELECTION_LIMIT } from '../contract/limits.js';
import type { QueuedMessageView } from '../contract/types/queue-messages.js';
import type { Handlers } from '../calls/handler-types.js';

type MessageMethods = 'queues:browse' | 'queues:message' | 'queues:deleteMessage' | 'queues:moveMessage' | 'queues:runNow' | 'queues:deleteMessages' | 'queues:moveMessages';

export const queueMessageHandlers: Handlers<MessageMethods> = {
  'queues:browse': async (s, i) => {
    const page = await browseQueue(s.app.broker, i.queue, i.offset, i.limit, { priority: i.priority, search: i.search });
    const now = Date.now() / 1000;
    return { ...page, messages: page.messages.map((m) => withAge(m, s.history, now)) };
  },
  'queues:message': async (s, i) => {
    const found = await new QueueMessageActions(s.app.broker).find(i);
    const listed = describeMessage(found.raw, found.position, found.step);
    return { message: withAge(listed, s.history, Date.now() / 1000), pretty: prettyMessage(found.raw) };
  },
  'queues:deleteMessage': async (s, i) => {
    await new QueueMessageActions(s.app.broker).delete(i);
    return { deleted: i.key };
  },
  'queues:moveMessage': (s, i) => new QueueMessageActions(s.app.broker).move(i, i.to),
  'queues:runNow': (s, i) => new QueueMessageActions(s.app.broker).runNow(i),
  'queues:deleteMessages': (s, i) => new QueueMessageActions(s.app.broker).deleteMany(i.queue, selected(i), MESSAGE_SELECTION_LIMIT),
  'queues:moveMessages': (s, i) => new QueueMessageActions(s.app.broker).moveMany(i.queue, i.to, selected(i), MESSAGE_SELECTION_LIMIT),
};

/** The call's selection (its schema lets through keys or a search, never both or neither). */
function selected(i: { keys?: string[]; search?: string; priority?: PriorityStep }): MessageSelection {
  return i.keys ? { keys: i.keys } : { search: i.search ?? '', priority: i.priority };
}

/** A kombu message carries no sent time: its age is from when the history first saw its task, if it did. */
function withAge(m: QueuedMessage, history: HistoryFace, now: number): QueuedMessageView {
  const seenAt = m.id === null ? null : history.seenAt(m.id);
  return { ...m, seenAt, age: seenAt === null ? null : Math.max(0, now - seenAt) };
}
