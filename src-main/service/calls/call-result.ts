/** A call's outcome as every transport sends it back, and a handler's failure as a typed error. */
import type { ContractError, Method, Output } from '../contract/index.js';
import { inUserWords } from './user-words.js';

export type CallResult<M extends Method> = { ok: true; value: Output<M> } | { ok: false; error: ContractError };

/** A failure inside a method, as the typed error the transports return, in a user's words. */
export function failure(err: unknown): { ok: false; error: ContractError } {
  // A waiting message gone since it was shown, a config changed since it was read, a file to
  // fix by hand: the caller's to act on, not a failure: each its own code.
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'E_MESSAGE_CHANGED' || code === 'E_CONFIG_CHANGED' || code === 'E_FILE_DAMAGED' || code === 'E_MESSAGE_NOT_MOVABLE' || code === 'E_BAD_SEARCH') return { ok: false, error: { code, message: (err as Error).message } };
  const said = inUserWords(err instanceof Error ? err.message : String(err));
  return { ok: false, error: { code: said.unreachable ? 'E_UNREACHABLE' : 'E_FAILED', message: said.message } };
}
