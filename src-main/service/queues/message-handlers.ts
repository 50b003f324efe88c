/**
 * The queue browser's methods: core reads and acts on the waiting messages (the service names
 * no Redis key); the service adds what only the history knows, each message's age.
 */
import { browseQueue, type QueuedMessage } from '../../core/broker/queue-messages.js';
import { QueueMessageActions } from '../../core/broker/queue-message-actions.js';
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
    const listed = describeMessage(found.raw, i.position ?? 0, found.step);
    return { message: withAge(listed, s.history, Date.now() / 1000), pretty: prettyMessage(found.raw) };
  },
  'queues:deleteMessage': async (s, i) => {
    await new QueueMessageActions(s.app.broker).delete(i);
    return { deleted: i.key };
  },
  'queues:moveMessage': (s, i) => new QueueMessageActions(s.app.broker).move(i, i.to),
  'queues:runNow': (s, i) => new QueueMessageActions(s.app.broker).runNow(i),
  'queues:deleteMessages': (s, i) => new QueueMessageActions(s.app.broker).deleteMany(i.queue, 'keys' in i ? { keys: i.keys } : { search: i.search, priority: i.priority }, MESSAGE_SELECTION_LIMIT),
  'queues:moveMessages': (s, i) => new QueueMessageActions(s.app.broker).moveMany(i.queue, i.to, 'keys' in i ? { keys: i.keys } : { search: i.search, priority: i.priority }, MESSAGE_SELECTION_LIMIT),
};

/** A kombu message carries no sent time: its age is from when the history first saw its task, if it did. */
function withAge(m: QueuedMessage, history: HistoryFace, now: number): QueuedMessageView {
  const seenAt = m.id === null ? null : history.seenAt(m.id);
  return { ...m, seenAt, age: seenAt === null ? null : Math.max(0, now - seenAt) };
}
