/** Edit and resend: what a task would be sent again with, and the links kept between tasks resent. */
import type { TaskParam } from '../../../core/task.js';
import type { CannotRetryCode } from './tasks.js';

/** A JSON value, as the arguments are edited and sent. */
export type ResendJson = string | number | boolean | null | ResendJson[] | { [key: string]: ResendJson };

/** Why something cannot be done with a task, in retry-plan's codes. */
export interface ResendRefusal {
  code: CannotRetryCode;
  message: string;
}

/** What "Edit and resend" starts from: the task's call as it would be sent again. */
export interface ResendDraft {
  id: string;
  name: string | null;
  /** Its arguments as JSON; null when they are not known (`argumentsUnknown` says why). */
  args: ResendJson[] | null;
  kwargs: Record<string, ResendJson> | null;
  /** Where they were read: its kept message, its extended result, its events' reprs. */
  from: 'message' | 'result meta' | 'events' | null;
  /** The queue it came from; null when not known. */
  queue: string | null;
  priority: number;
  /** Its ETA (ISO 8601) as it was sent, or null. */
  eta: string | null;
  /** The serializer a resend is written in: the kept message's, else the room's. */
  serializer: string;
  /** The task's declared parameters, when this room knows them (else the JSON editors). */
  params: TaskParam[] | null;
  /** Why its arguments cannot be known (then nothing can be sent); null when they are. */
  argumentsUnknown: ResendRefusal | null;
  /** Why it cannot be retried in place (same id); null when it can. A new task may still be sent. */
  inPlaceRefused: ResendRefusal | null;
}

/** A task resent as another (`to`), or retried in place with edits (`to` = `from`). */
export interface TaskLink {
  from: string;
  to: string;
  mode: 'new' | 'in-place';
  /** unix seconds */
  at: number;
}

/** A task's links, as its page shows them. */
export interface ResendLinks {
  /** The tasks it was resent as, newest first. */
  resentAs: TaskLink[];
  /** The task it was resent from, or null. */
  resentFrom: TaskLink | null;
  /** When it was retried in place with edits (unix seconds), newest first. */
  editedInPlace: number[];
}

export interface ResendOutcome {
  /** The task sent: a new id, or the same one retried in place. */
  id: string;
  mode: 'new' | 'in-place';
  queue: string;
}
