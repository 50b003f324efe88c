/**
 * What a transport (the headless WebSocket server, Electron's IPC) serves: calls checked
 * against the contract, and the events the back end pushes.
 */
import { valueNestsDeeper } from '../core/protocol/limits.js';
import { inUserWords } from './user-words.js';
import { contract, isMethod, MAX_INPUT_NESTING, type ContractError, type ContractEvents, type EventName, type Method, type Output } from './contract.js';

/** A call's outcome, as both transports send it back. */
export type CallResult<M extends Method> = { ok: true; value: Output<M> } | { ok: false; error: ContractError };

export type EventListener = <E extends EventName>(event: E, data: ContractEvents[E]) => void;

/** The listeners of a handler's events. */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends EventName>(event: E, data: ContractEvents[E]): void {
    for (const l of this.listeners) l(event, data);
  }
}

export interface ContractHandler {
  call<M extends Method>(method: M | string, input: unknown): Promise<CallResult<M>>;
  onEvent(listener: EventListener): () => void;
}

/**
 * Checks a call against the contract: a known method, an input its schema accepts (with
 * defaults applied). Every transport's calls pass through here before anything runs.
 */
export function parseCall(method: unknown, input: unknown): { ok: true; method: Method; input: Record<string, unknown> } | { ok: false; error: ContractError } {
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

/** A failure inside a method, as the typed error the transports return, in a user's words. */
export function failure(err: unknown): { ok: false; error: ContractError } {
  const said = inUserWords(err instanceof Error ? err.message : String(err));
  return { ok: false, error: { code: said.unreachable ? 'E_UNREACHABLE' : 'E_FAILED', message: said.message } };
}
