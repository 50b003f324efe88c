/**
 * The contract's limits and fixed lists: values both ends need (the back end enforces them, the
 * renderer shows them). Imports nothing, so the renderer can take these values without the schemas.
 */

/** The most tasks one "select all matching" acts on. */
export const MATCHING_LIMIT = 100_000;

/** The most waiting messages one bulk delete or move acts on (selected, or matched by a search). */
export const MESSAGE_SELECTION_LIMIT = 1000;

/**
 * A call's input, at most, as JSON on the wire: the headless server's request limit, which the
 * largest input fits (100,000 file paths of a usual length, ~110 bytes, are 11 MB). Inputs the
 * schemas would otherwise allow past it are refused by them, over IPC as over the WebSocket.
 */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/** How deep a call's input may nest: more than any form or batch needs, far less than a parser's stack. */
export const MAX_INPUT_NESTING = 64;

/** The colour labels a connection profile may have. */
export const PROFILE_COLORS = ['gray', 'green', 'blue', 'purple', 'orange', 'red'] as const;
export type ProfileColor = (typeof PROFILE_COLORS)[number];

/** The controls a worker page offers (Flower's). */
export const WORKER_COMMANDS = ['shutdown', 'pool_grow', 'pool_shrink', 'autoscale', 'pool_restart', 'add_consumer', 'cancel_consumer', 'rate_limit', 'time_limit', 'enable_events', 'disable_events'] as const;
export type WorkerCommand = (typeof WORKER_COMMANDS)[number];

/** settings.json is read up to this size; past it, it is refused as a damaged one is (left as it is until fixed by hand). */
export const MAX_SETTINGS_FILE_BYTES = 1024 * 1024;
/** Alert rules a connection keeps at most. */
export const MAX_ALERT_RULES = 100;
/** Alert episodes a connection keeps in its history (firing and resolved), the oldest resolved forgotten first; every firing one is kept besides, even past it. */
export const ALERT_HISTORY_LIMIT = 500;
/** The alert rule kinds, in the order the page offers them. */
export const ALERT_KINDS = ['failure-rate', 'failure-group', 'queue-depth', 'queue-age', 'worker-offline', 'schedule-late', 'events-silent'] as const;
