import type WebSocket from 'ws';

/**
 * Sends one request over the server's WebSocket and resolves with the next reply (events in
 * between are skipped). A string or Buffer goes as it is; anything else as JSON.
 */
export function wsReply(ws: WebSocket, payload: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      if ('event' in msg) return;
      ws.off('message', onMessage);
      resolve(msg);
    };
    ws.on('message', onMessage);
    ws.send(typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload));
  });
}
