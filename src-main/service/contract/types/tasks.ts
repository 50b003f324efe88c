/** What the Tasks views show: history rows, retries, failure groups. */
import type { ResultMeta } from '../../../core/backend/result-meta.js';
import type { Workflow, WorkflowNode } from '../../../core/canvas/workflow.js';
import type { Attempt, TaskRecord } from '../../../core/records/task-record.js';
import type { ResendLinks } from './resend.js';

export type RetryErrorCode = CannotRetryCode | 'send_failed';

/** Tasks that cannot be sent, by reason. */
export interface RetryReasonGroup {
  code: RetryErrorCode;
  label: string;
  count: number;
  /** The first few of them. */
  ids: string[];
}

export interface RetryPreview {
  /** How many can be sent again, and from what. */
  sendable: number;
  from: { message: number; resultMeta: number; events: number };
  notSendable: number;
  reasons: RetryReasonGroup[];
  /** Per task, at most MAX_LISTED. */
  errors: Array<{ id: string; code: RetryErrorCode; message: string }>;
}

export interface RetryOutcome {
  retried: string[];
  notSent: number;
  reasons: RetryReasonGroup[];
  /** Per task, at most MAX_LISTED. */
  errors: Array<{ id: string; code: RetryErrorCode; message: string }>;
}

/** Why a task cannot be sent again; stable values. */
export type CannotRetryCode =
  | 'not_failed'
  | 'revoked'
  | 'workflow'
  | 'result_too_large'
  | 'unknown_task'
  | 'no_name'
  | 'no_arguments'
  | 'arguments_cut'
  | 'not_literal'
  | 'ambiguous'
  | 'not_json'
  | 'unreadable'
  | 'no_queue';

export interface FailureGroup {
  /** The group's identity: name, type and pattern. */
  key: string;
  name: string;
  exceptionType: string;
  /** The message with its variable parts as <id>, <n>, <path>, <hex>, <email>, <url>. */
  pattern: string;
  count: number;
  /** How many are retrying still (RETRY): "revoke the rest" stops them. */
  retrying: number;
  /** unix seconds */
  firstSeen: number;
  lastSeen: number;
  /** The newest one's traceback (cut to GROUP_TRACEBACK_CHARS); null past the first TRACEBACK_GROUPS groups. */
  traceback: string | null;
  /** Why the traceback is not here when the group has one (past the groups whose tracebacks are read). */
  tracebackOmitted?: string;
  /** Its tasks, newest first (at most GROUP_TASKS). */
  tasks: Array<{ id: string; state: string }>;
  /** What the user said of the group (kept in the connection's history), and what happened since. */
  triage: FailureTriage;
}

/** A failure group's triage: open (never marked), resolved or ignored by the user. */
export interface FailureTriage {
  state: 'open' | 'resolved' | 'ignored';
  /** When it was marked resolved or ignored (unix seconds); null while open. */
  at: number | null;
  /** Failures of the group seen after it was marked (all of them while open). */
  countSince: number;
  /** Resolved, then failed again: shown as regressed (and an alert rule can say so). */
  regressed: boolean;
}

/** A task as the history keeps it (times in unix seconds). */
export interface HistoryTask {
  id: string;
  name: string | null;
  state: string;
  args: string | null;
  kwargs: string | null;
  result: string | null;
  exception: string | null;
  traceback: string | null;
  worker: string | null;
  queue: string | null;
  retries: number | null;
  eta: string | null;
  expires: string | null;
  parent_id: string | null;
  root_id: string | null;
  group_id: string | null;
  received_at: number | null;
  started_at: number | null;
  succeeded_at: number | null;
  failed_at: number | null;
  runtime: number | null;
  seen_at: number;
  updated_at: number;
  /** The last progress a Celeriac task reported (ctx.progress), from its record. */
  progress_current: number | null;
  progress_total: number | null;
}

/** A task's workflow (tasks:workflow), and its group's progress as the history holds it. */
export type TaskWorkflow = Workflow & { group: { id: string; total: number; done: number } | null };
export type TaskWorkflowNode = WorkflowNode;

export interface HistoryAttempt {
  /** Celery's `retries` of the run: 0 for the first. */
  n: number;
  /** RECEIVED, STARTED, then how it ended (RETRY, FAILURE, SUCCESS, REVOKED, REJECTED). */
  state: string;
  worker: string | null;
  /** unix seconds */
  received_at: number | null;
  started_at: number | null;
  ended_at: number | null;
  exception: string | null;
}

/**
 * Everything the task detail view shows: the task merged once by the history's rule, which the
 * page renders, and the raw parts it shows as they are (the record's priority and batch, the
 * stored result's value and traceback, the record's attempts).
 */
export interface TaskDetail {
  /**
   * The task as the history merges it (events, Python workers' included, the record and the
   * stored result folded in by one rule): what the list shows, and the page too. Null: no
   * source knows the task.
   */
  history: HistoryTask | null;
  /** Its state, merged: PENDING when no source knows the task. */
  state: string;
  /** Why a FAILURE failed: its stored exception (`Type: message`), else the one the history keeps; null otherwise. */
  failure: string | null;
  /** A PROGRESS task's stored progress (Celery's custom state), or null. */
  progress: { current: number; total: number } | null;
  /** A retried task's runs from its events, oldest first (none for a task run once). */
  runs: HistoryAttempt[];
  record: TaskRecord | null;
  /** Runs beyond a first success, oldest first. */
  attempts: Attempt[];
  /** The result backend's meta (PENDING when there is none). */
  meta: ResultMeta;
  /** What it was resent as and from (edit and resend), kept in the connection's history. */
  links?: ResendLinks;
}
