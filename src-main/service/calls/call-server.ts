/**
 * The contract served to clients, whatever carries it (VS Code's ChannelServer is the model):
 * a call is parsed once here, refused when a read-only room may not run it, and run by the back
 * end's one handler table; each client's event subscriptions are kept here, so the WebSocket
 * server and Electron's IPC are thin adapters that only move bytes and say who is asking.
 */
import { z } from 'zod';
import type { ContractError, ContractEvents, EventName, Method } from '../contract/index.js';
import { isReadMethod } from '../contract/index.js';
import type { CallBackend } from './call-backend.js';
import type { CallResult } from './call-result.js';
import { parseCall } from './parse-call.js';

/** A subscription: at most this many event names, each this long (there are four today). */
const subscriptionSchema = z.array(z.string().max(64)).max(32);

/** Whether a client asked for an event (a client that never said gets all of them). */
export type Wants = (client: object) => boolean;
export type ServedEventListener = <E extends EventName>(event: E, data: ContractEvents[E], wants: Wants) => void;

export interface CallServerOptions {
  /** Refuse every method that changes anything (`serve --read-only`); the status says so. */
  readOnly?: boolean;
}

export class CallServer {
  /** The events each client asked for, by the transport's own object for it (a socket, a window). */
  private readonly wanted = new WeakMap<object, ReadonlySet<string>>();

  constructor(private readonly backend: CallBackend, private readonly options: CallServerOptions = {}) {}

  /** One call, as it came off the wire; never throws. */
  async call(method: unknown, input: unknown): Promise<CallResult<Method>> {
    const parsed = parseCall(method, input);
    if (!parsed.ok) return parsed;
    if (this.options.readOnly && !isReadMethod(parsed.method)) {
      return refused('E_FORBIDDEN', `this control room is read-only (serve --read-only): ${parsed.method} is refused`);
    }
    try {
      const result = await this.backend.run(parsed.method, parsed.input);
      if (this.options.readOnly && parsed.method === 'connection:status' && result.ok) return { ok: true, value: markReadOnly(result.value) };
      return result;
    } catch (err) {
      // The back end turns its failures into typed errors; this is the net under it.
      return refused('E_INTERNAL', `the control room failed on ${parsed.method}: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  /** Keeps which events a client wants; false when the list is not one. */
  subscribe(client: object, events: unknown): boolean {
    const names = subscriptionSchema.safeParse(events);
    if (!names.success) return false;
    this.wanted.set(client, new Set(names.data));
    return true;
  }

  /** The back end's events, each with who wants it; until the returned function is called. */
  onEvent(listener: ServedEventListener): () => void {
    return this.backend.onEvent((event, data) => {
      const wants: Wants = (client) => this.wanted.get(client)?.has(event) !== false;
      listener(event, this.options.readOnly && event === 'connection:changed' ? markReadOnly(data) : data, wants);
    });
  }
}

function refused(code: ContractError['code'], message: string): { ok: false; error: ContractError } {
  return { ok: false, error: { code, message } };
}

/** The status says a room is read-only, whether asked for or pushed: the page shows it in its header. */
function markReadOnly<T>(status: T): T {
  return { ...status, readOnly: true };
}
