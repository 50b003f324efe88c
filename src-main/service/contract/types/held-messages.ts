/** What the workers hold (kombu's `unacked`), as the queue browser lists it. */
import type { HeldMessage, HeldPage } from '../../../core/broker/held-messages.js';

export type { HeldMessage } from '../../../core/broker/held-messages.js';

/** A held message with who holds it. */
export interface HeldByWorker extends HeldMessage {
  /** The worker's name, or null when nothing says ("unknown"). */
  owner: string | null;
  /** What named it: the task's history (its events and record), a `query_task` answer, or nothing. */
  ownerFrom: 'history' | 'inspect' | null;
}

/** A page of held messages with their owners. */
export interface HeldByWorkersPage extends Omit<HeldPage, 'messages'> {
  messages: HeldByWorker[];
  /** The visibility timeout the `overdue` flags were worked out with, seconds. */
  visibilityTimeout: number;
}
