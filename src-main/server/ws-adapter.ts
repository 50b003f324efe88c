/**
 * The contract over one WebSocket per page: JSON requests in, replies and events out. It only
 * moves text: parsing, read-only rules and each page's subscription are the call server's.
 */
import type { WebSocket, WebSocketServer } from 'ws';
import { MAX_REQUEST_BYTES } from '../service/contract/limits.js';
import type { ContractError } from '../service/contract/index.js';
import type { CallServer } from '../service/calls/call-server.js';
import { safeJson } from './http-replies.js';
import { requestSchema, subscribeSchema, type EventMessage, type Reply } from './protocol.js';

/** Serves the call server to every socket the WebSocket server accepts; returns how to stop sending events. */
export function serveCallsOverWebSocket(wss: WebSocketServer, calls: CallServer): () => void {
  wss.on('connection', (ws: WebSocket) => {
    // A frame over maxPayload, a text frame that is not UTF-8, an unmasked frame: ws closes
    // that connection with the matching code (1009, 1007, 1002) and reports it here. Without a
    // listener the report would be an uncaught error that ends the server.
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void send(ws, badRequest(null, 'E_BAD_INPUT', 'requests are JSON text frames, not binary ones'));
      const bytes = (data as Buffer).length;
      if (bytes > MAX_REQUEST_BYTES) return void send(ws, badRequest(null, 'E_TOO_LARGE', `a request is at most ${MAX_REQUEST_BYTES} bytes; this one is ${bytes}`));
      const text = data.toString();
      const subscription = text.startsWith('{"subscribe"') ? subscribeSchema.safeParse(safeJson(text)) : null;
      // The call server checks the names (how many, how long); a list it refuses is answered as a bad request.
      if (subscription?.success && calls.subscribe(ws, subscription.data.subscribe)) return;
      void answer(ws, calls, text);
    });
  });
  return calls.onEvent((event, data, wants) => {
    let text: string | null = null; // serialised once, and only if someone wants it
    for (const client of wss.clients) {
      if (client.readyState !== client.OPEN || !wants(client)) continue;
      text ??= JSON.stringify({ event, data } satisfies EventMessage);
      client.send(text);
    }
  });
}

/** One request in, one reply out; anything malformed gets a typed error, never a crash. */
async function answer(ws: WebSocket, calls: CallServer, text: string): Promise<void> {
  const request = requestSchema.safeParse(safeJson(text));
  if (!request.success) return send(ws, badRequest(null, 'E_BAD_INPUT', 'a request is {"id", "method", "input"} as JSON'));
  const { id } = request.data;
  const result = await calls.call(request.data.method, request.data.input);
  send(ws, result.ok ? { id, ok: true, value: result.value } : { id, ok: false, error: result.error });
}

function badRequest(id: Reply['id'], code: ContractError['code'], message: string): Reply {
  return { id, ok: false, error: { code, message } };
}

function send(ws: WebSocket, reply: Reply): void {
  if (ws.readyState !== ws.OPEN) return;
  let text: string;
  try {
    text = JSON.stringify(reply);
  } catch (err) {
    text = JSON.stringify(badRequest(reply.id, 'E_INTERNAL', `the reply could not be encoded: ${(err as Error).message}`));
  }
  ws.send(text);
}
