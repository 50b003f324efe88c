/**
 * The headless transport's messages: the contract's calls and events as JSON over one
 * WebSocket. Requests carry an id the reply repeats; events carry a name.
 */
import { z } from 'zod';
import { MAX_REQUEST_BYTES, type ContractError, type EventName } from '../service/contract/index.js';

/**
 * A request past the contract's MAX_REQUEST_BYTES, up to MAX_FRAME_BYTES, gets an E_TOO_LARGE
 * reply; past that the frame is not even read (the socket is closed with 1009).
 */
export const MAX_FRAME_BYTES = 2 * MAX_REQUEST_BYTES;

export const requestSchema = z.object({
  id: z.union([z.string().max(64), z.number().int()]),
  method: z.string().max(64),
  input: z.unknown().optional(),
});

export type Request = z.infer<typeof requestSchema>;

/**
 * Which events a client wants (all until it says): a client showing batches should not be
 * sent every task change at thousands a second. The frame's shape only: the call server keeps
 * and bounds the names, for IPC as for the WebSocket.
 */
export const subscribeSchema = z.object({ subscribe: z.unknown() }).strict();

export type Reply =
  | { id: Request['id'] | null; ok: true; value: unknown }
  | { id: Request['id'] | null; ok: false; error: ContractError };

export interface EventMessage {
  event: EventName;
  data: unknown;
}
