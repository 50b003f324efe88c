/** What the Tasks views show: history rows, retries, failure groups. */
import type { Workflow, WorkflowNode } from '../../../core/canvas/workflow.js';

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
