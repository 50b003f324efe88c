/** A queue's waiting messages as the queue browser shows them, and what its actions answer. */
import type { QueuePage, QueuedMessage } from '../../../core/broker/queue-messages.js';

export type { QueuePage, QueuedMessage, QueueScan, QueueStepCount, PriorityStep } from '../../../core/broker/queue-messages.js';
export type { BulkOutcome, MovedMessage } from '../../../core/broker/queue-message-actions.js';

/**
 * A waiting message with what the history knows of its task. A kombu message carries no time it
 * was sent: its age is from when the room first saw the task (its sent or received event, its
 * record), and null ("unknown") for a task the history does not know.
 */
export interface QueuedMessageView extends QueuedMessage {
  /** When the room first saw this task (unix seconds), or null. */
  seenAt: number | null;
  /** Seconds since seenAt when the page was read, or null. */
  age: number | null;
}

/** A page of waiting messages, each with its age when known. */
export interface QueuePageView extends Omit<QueuePage, 'messages'> {
  messages: QueuedMessageView[];
}

/** One waiting message whole: as listed, and its envelope pretty-printed (body decoded, never unpickled). */
export interface QueuedMessageDetail {
  message: QueuedMessageView;
  /** The envelope as JSON, its body decoded (json, msgpack, yaml, compressed or not), cut at 64 KB. */
  pretty: string;
}
