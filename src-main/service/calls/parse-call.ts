/**
 * Checks a call against the contract: a known method, an input its schema accepts (defaults
 * applied). The one place a call's input is parsed, whatever transport brought it.
 */
import { valueNestsDeeper } from '../../core/protocol/limits.js';
import { contract, isMethod, MAX_INPUT_NESTING, type ContractError, type Method } from '../contract/index.js';

export type ParsedCall = { ok: true; method: Method; input: Record<string, unknown> } | { ok: false; error: ContractError };

export function parseCall(method: unknown, input: unknown): ParsedCall {
  if (!isMethod(method)) return { ok: false, error: { code: 'E_UNKNOWN_METHOD', message: `no method ${JSON.stringify(String(method).slice(0, 64))}` } };
  // zod's schemas (z.json() among them) recurse: what nests past this is refused before them.
  if (valueNestsDeeper(input, MAX_INPUT_NESTING)) {
    return { ok: false, error: { code: 'E_BAD_INPUT', message: `bad input for ${method}: it nests deeper than ${MAX_INPUT_NESTING} levels` } };
  }
  let parsed: ReturnType<(typeof contract)[Method]['input']['safeParse']>;
  try {
    parsed = contract[method].input.safeParse(input ?? {});
  } catch (err) {
    return { ok: false, error: { code: 'E_BAD_INPUT', message: `bad input for ${method}: ${(err as Error).message}` } };
  }
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    return { ok: false, error: { code: 'E_BAD_INPUT', message: `bad input for ${method}: ${issues.map((i) => `${i.path || '(input)'}: ${i.message}`).join('; ')}`, issues } };
  }
  return { ok: true, method, input: parsed.data as Record<string, unknown> };
}
