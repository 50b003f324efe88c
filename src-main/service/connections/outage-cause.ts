/**
 * Why the connection to Redis is down, for a status that already says Redis is unreachable
 * (the banner's heading, a refused call's "Redis is unreachable: …"): what the client or the
 * kernel said, in a user's words (user-words.ts), without that lead said a second time. The
 * client's errors about a command it would not send while down (its offline queue, a closed
 * connection, retries per request) say no more than that the connection was lost.
 */
import { inUserWords } from '../calls/user-words.js';

const LOST = 'the connection was lost';
/** The client's wording for a command refused or cut off by the outage, not for its cause. */
const ABOUT_A_COMMAND = /enableOfflineQueue options is false|Connection is closed|Reached the max retries per request limit/;
const LEAD = /^Redis is unreachable: /;

/** @param raw the last error the connection reported; empty when none */
export function outageCause(raw: string): string {
  if (raw === '' || ABOUT_A_COMMAND.test(raw)) return LOST;
  return inUserWords(raw).message.replace(LEAD, '');
}
