/**
 * The contract as the views see it: its types, and the limit values both ends enforce (taken
 * from the contract's limits file, which imports nothing, so no schema reaches the bundle).
 * Views import the back end's words from here only.
 */
export type * from '../../src-main/service/contract/index.js';
export { MATCHING_LIMIT, MAX_REQUEST_BYTES, MESSAGE_SELECTION_LIMIT, PROFILE_COLORS, WORKER_COMMANDS } from '../../src-main/service/contract/limits.js';
