/**
 * What the call server serves: a back end that runs calls whose input the contract already
 * accepted (the control room, or one connection's service alone) and pushes events.
 */
import type { Method } from '../contract/index.js';
import type { CallResult } from './call-result.js';
import type { EventListener } from './event-hub.js';
import { parseCall } from './parse-call.js';

export interface CallBackend {
  /** Runs a parsed call; its failures come back as typed errors, never thrown. */
  run<M extends Method>(method: M, input: Record<string, unknown>): Promise<CallResult<M>>;
  onEvent(listener: EventListener): () => void;
}

/** One call from code (tests, the CLI): parsed as a transport's would be, then run. */
export async function callOnce<M extends Method>(backend: CallBackend, method: M | string, input: unknown): Promise<CallResult<M>> {
  const parsed = parseCall(method, input);
  if (!parsed.ok) return parsed;
  return (await backend.run(parsed.method, parsed.input)) as CallResult<M>;
}
