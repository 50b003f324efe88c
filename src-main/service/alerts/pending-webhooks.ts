/**
 * The webhook messages still waiting when a connection's alerts stopped, kept in a file beside
 * its episodes and sent at its next start: the episodes they tell of are kept as fired (or
 * resolved), so nothing would send them again. Bounded: the sender's queue is, and the file is
 * read only up to MAX_PENDING_FILE_BYTES. The file is removed once read, so a message is sent
 * again at most once after a restart.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../room/atomic-file.js';
import { DEFAULT_WEBHOOK_OPTIONS, type WebhookMessage } from './webhook-sender.js';

/** A message's body at most, with room to spare (an episode's JSON and its text). */
const MESSAGE_JSON_BYTES = 16 * 1024;
/** The file is read up to this size; past it, what it held is dropped and said. */
export const MAX_PENDING_FILE_BYTES = DEFAULT_WEBHOOK_OPTIONS.maxPending * MESSAGE_JSON_BYTES;

/** The pending file beside an episodes file. */
export const pendingPathOf = (episodesPath: string): string => `${episodesPath.replace(/\.json$/, '')}.webhook-pending.json`;

/** Keeps `messages` for the next start (none: no file). @throws the file system's error */
export function savePending(file: string, messages: readonly WebhookMessage[]): void {
  if (messages.length === 0) rmSync(file, { force: true });
  else writeFileAtomic(file, JSON.stringify({ version: 1, messages }));
}

/** Reads what was kept and removes the file; a file that cannot be read gives nothing and says why. */
export function takePending(file: string): { messages: WebhookMessage[]; problem: string | null } {
  let stored: unknown;
  try {
    const size = statSync(file).size;
    if (size > MAX_PENDING_FILE_BYTES) {
      rmSync(file, { force: true });
      return { messages: [], problem: `${file} is larger than ${MAX_PENDING_FILE_BYTES} bytes (${size}): the webhook messages kept at the last stop were dropped` };
    }
    stored = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { messages: [], problem: null };
    rmSync(file, { force: true });
    return { messages: [], problem: `${file} could not be read (${(err as Error).message}): the webhook messages kept at the last stop were dropped` };
  }
  rmSync(file, { force: true });
  const list = (stored as { messages?: unknown }).messages;
  const messages = (Array.isArray(list) ? list : [])
    .filter((m): m is WebhookMessage => typeof m === 'object' && m !== null && typeof (m as WebhookMessage).url === 'string' && typeof (m as WebhookMessage).body === 'string')
    .slice(-DEFAULT_WEBHOOK_OPTIONS.maxPending);
  return { messages, problem: null };
}
