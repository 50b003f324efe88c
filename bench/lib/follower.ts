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
import { createInterface } from 'node:readline';
import { startBatchWatcher } from './batch-watcher.js';

const [url, queue] = process.argv.slice(2) as [string, string];
const watcher = await startBatchWatcher(url);

const say = (message: object): void => void process.stdout.write(`${JSON.stringify(message)}\n`);
say({ ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { create?: number; updates?: [number, number] };
  if (command.create !== undefined) {
    const files = Array.from({ length: command.create }, (_, i) => `/virtual/file-${i}.bin`);
    const r = await watcher.room.call('batches:create', { task: 'bench.add', files, queue });
    if (!r.ok) throw new Error(r.error.message);
    say({ created: true });
  } else if (command.updates) {
    say({ count: watcher.updatesBetween(...command.updates) });
  }
}
// stdin closed: the bench is done with this follower.
await watcher.close();
process.exit(0);
