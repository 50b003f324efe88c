/**
 * A control room following batches as the Batches view does: its task index and batch
 * tracker, `celeriac serve`'s server, and a WebSocket client subscribed to what that view
 * uses. The batches bench runs one in its follower process and one in its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer } from '../../dist/src-main/server/http-server.js';
import { ControlRoom } from '../../dist/src-main/service/room/control-room.js';

export interface BatchWatcher {
  room: ControlRoom;
  /** How many `batches:changed` the client got between these times (epoch ms). */
  updatesBetween(from: number, to: number): number;
  close(): Promise<void>;
}

export async function startBatchWatcher(url: string): Promise<BatchWatcher> {
  const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-bench-watch-'));
  const room = new ControlRoom({ dataDir, local: false, initial: { url, hostPool: false } });
  await room.start();
  const server = await startServer({ service: room, port: 0, token: 't' });
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=t`);
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ subscribe: ['connection:changed', 'batches:changed', 'batches:notice'] }));
  const updates: number[] = [];
  ws.on('message', (data) => {
    if ((JSON.parse(data.toString()) as { event?: string }).event === 'batches:changed') updates.push(Date.now());
  });
  return {
    room,
    updatesBetween: (from, to) => updates.filter((t) => t >= from && t <= to).length,
    async close() {
      ws.close();
      await server.close();
      await room.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
