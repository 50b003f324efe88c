/** A call's outcome as every transport sends it back, and a handler's failure as a typed error. */
import type { ContractError, Method, Output } from '../contract/index.js';
import { inUserWords } from './user-words.js';

export type CallResult<M extends Method> = { ok: true; value: Output<M> } | { ok: false; error: ContractError };

/** A failure inside a method, as the typed error the transports return, in a user's words. */
export function failure(err: unknown): { ok: false; error: ContractError } {
  // A waiting message gone since it was shown is the caller's to refresh, not a failure: its own code.
  if ((err as { code?: unknown } | null)?.code === 'E_MESSAGE_CHANGED') return { ok: false, error: { code: 'E_MESSAGE_CHANGED', message: (err as Error).message } };
  const said = inUserWords(err instanceof Error ? err.message : String(err));
  return { ok: false, error: { code: said.unreachable ? 'E_UNREACHABLE' : 'E_FAILED', message: said.message } };
}
