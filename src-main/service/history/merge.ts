/**
 * How what the control room hears of a task merges into what it knows, by the rules of
 * Celery's `events.state.Task.event` (what Flower runs): an event whose state logically
 * happens before the current one (a late task-received after SUCCESS) changes no state and
 * adds only the fields its merge rule keeps. RETRY is never ordered.
 */

/**
 * celery.states.PRECEDENCE: lower is later (stronger). Celery ranks a state it does not know
 * (a custom one, such as PROGRESS) as `None`, above REVOKED: harmless in Celery's own event
 * stream, which carries no custom state, but the history also hears custom states from the
 * result backend and the records, and there a PROGRESS stored before a `task-revoked` kept the
 * task running for good. A custom state is a running one (Celery's READY_STATES are SUCCESS,
 * FAILURE and REVOKED only): it ranks between REVOKED and STARTED.
 */
const PRECEDENCE = ['SUCCESS', 'FAILURE', 'REVOKED', null, 'STARTED', 'RECEIVED', 'REJECTED', 'RETRY', 'PENDING'] as const;
const CUSTOM_PRECEDENCE = PRECEDENCE.indexOf(null);

export function precedence(state: string): number {
  const i = (PRECEDENCE as readonly (string | null)[]).indexOf(state);
  return i === -1 ? CUSTOM_PRECEDENCE : i;
}

/** celery.events.state TASK_EVENT_TO_STATE. */
const EVENT_STATE: Record<string, string> = {
  'task-sent': 'PENDING',
  'task-received': 'RECEIVED',
  'task-started': 'STARTED',
  'task-failed': 'FAILURE',
  'task-retried': 'RETRY',
  'task-succeeded': 'SUCCESS',
  'task-revoked': 'REVOKED',
  'task-rejected': 'REJECTED',
};

/** Task.merge_rules: what a happens-before event may still add. */
const MERGE_RULES: Record<string, readonly string[]> = {
  RECEIVED: ['name', 'args', 'kwargs', 'parent_id', 'root_id', 'retries', 'eta', 'expires'],
};

/** The state an event type stands for: Celery's table, else the type upper-cased (custom states). */
export function stateOfEvent(type: string): string {
  return EVENT_STATE[type] ?? type.replace(/^task-/, '').toUpperCase();
}

/**
 * How a report arriving with `state` merges into a task now in `currentState` (null: nothing
 * known yet).
 * @returns the state to take (null: keep the current one) and the fields it may set (null: all)
 */
export function mergeRule(currentState: string | null, state: string): { state: string | null; keep: readonly string[] | null } {
  if (currentState !== null && state !== 'RETRY' && currentState !== 'RETRY' && precedence(state) > precedence(currentState)) {
    return { state: null, keep: MERGE_RULES[state] ?? null };
  }
  return { state, keep: null };
}
