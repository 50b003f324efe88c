/**
 * Pausing a queue: the flag Celeriac workers honour at once (core/broker/paused-queues.ts), and
 * for the other workers consuming it — Python's, which know no such flag — Celery's own
 * `cancel_consumer`, remembered so that resume sends them `add_consumer` again.
 */
import type { App } from '../../core/app.js';
import { PausedQueues } from '../../core/broker/paused-queues.js';
import type { WorkerInfo } from '../../core/worker/worker-list.js';

export async function pauseQueue(app: App, queue: string, workers: readonly WorkerInfo[]): Promise<{ paused: string; told: string[] }> {
  const others = workers.filter((w) => w.online && w.software !== 'celeriac' && w.queues.includes(queue)).map((w) => w.name);
  await new PausedQueues(app.broker).pause(queue, others);
  if (others.length > 0) await app.control.broadcast('cancel_consumer', { queue }, { destination: others, timeout: 1000 });
  return { paused: queue, told: others };
}

export async function resumeQueue(app: App, queue: string): Promise<{ resumed: string; told: string[] }> {
  const told = await new PausedQueues(app.broker).resume(queue);
  if (told.length > 0) await app.control.broadcast('add_consumer', { queue }, { destination: told, timeout: 1000 });
  return { resumed: queue, told };
}
