/** Celery's task states, byte for byte. PENDING is never stored: a missing key means it. */
export const PENDING = 'PENDING';
export const RECEIVED = 'RECEIVED';
export const STARTED = 'STARTED';
export const SUCCESS = 'SUCCESS';
export const FAILURE = 'FAILURE';
export const RETRY = 'RETRY';
export const REVOKED = 'REVOKED';
/** The custom state Celeriac reports progress with, as Celery users do with update_state. */
export const PROGRESS = 'PROGRESS';

/** States after which nothing more will happen (Celery's READY_STATES). */
export const READY_STATES: ReadonlySet<string> = new Set([SUCCESS, FAILURE, REVOKED]);
/** States whose `result` is an exception description (Celery's EXCEPTION_STATES). */
export const EXCEPTION_STATES: ReadonlySet<string> = new Set([FAILURE, RETRY, REVOKED]);
