/**
 * A control room following batches, in a process of its own, for the batches bench: its task
 * index, its batch tracker, `celeriac serve`'s server and a WebSocket client subscribed as the
 * Batches view is. Apart from the workers, as a desktop app or `celeriac serve` watching
 * `celeriac worker` processes is, so that the CPU it spends is its own to measure.
 *
 * Talks JSON lines: reads `{"create": n}` (plans and sends a batch of n no-op tasks through
 * `batches:create`) and `{"updates": [fromMs, toMs]}` (how many `batches:changed` the client
 * got between those epoch times); writes `{"ready": true}`, `{"created": true}`, `{"count": k}`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { startServer } from '../../dist/src-main/server/http-server.js';
import { ControlRoom } from '../../dist/src-main/service/control-room.js';

const [url, queue] = process.argv.slice(2) as [string, string];
const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-bench-follower-'));
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

const say = (message: object): void => void process.stdout.write(`${JSON.stringify(message)}\n`);
say({ ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { create?: number; updates?: [number, number] };
  if (command.create !== undefined) {
    const files = Array.from({ length: command.create }, (_, i) => `/virtual/file-${i}.bin`);
    const r = await room.call('batches:create', { task: 'bench.add', files, queue });
    if (!r.ok) throw new Error(r.error.message);
    say({ created: true });
  } else if (command.updates) {
    const [from, to] = command.updates;
    say({ count: updates.filter((t) => t >= from && t <= to).length });
  }
}
// stdin closed: the bench is done with this follower.
ws.close();
await server.close();
await room.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
