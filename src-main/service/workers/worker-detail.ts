/**
 * One worker's page: what `celery inspect` tells of it (as Flower asks: eight commands, 1 s
 * each, to that worker only), and the controls Flower offers, each reply as it came.
 */
import type { App } from '../../core/app.js';
import type { WorkerCommand } from '../contract/index.js';
import { INSPECT_TIMEOUT_MS } from '../cluster/cluster.js';
import { INSPECTED, type WorkerDetail } from '../contract/types/workers.js';

export async function inspectWorker(app: App, name: string): Promise<WorkerDetail> {
  const replies = await Promise.all(INSPECTED.map((method) => app.control.broadcast(method, {}, { destination: [name], timeout: INSPECT_TIMEOUT_MS, limit: 1 })));
  const detail = { name } as WorkerDetail;
  INSPECTED.forEach((method, i) => (detail[method] = replies[i]![name] ?? null));
  return detail;
}

/**
 * Sends a control command to one worker. Its reply is shown as Flower reads it: `{ok}` is
 * success, anything else (`{error}`, or no reply) is not. `shutdown` is a cast, as Flower's:
 * a worker that stops does not reply.
 */
export async function controlWorker(app: App, name: string, command: WorkerCommand, args: Record<string, unknown>): Promise<{ reply: unknown }> {
  if (command === 'shutdown') {
    await app.control.cast('shutdown', {}, [name]);
    return { reply: { ok: 'shutdown sent' } };
  }
  const replies = await app.control.broadcast(command, args, { destination: [name], timeout: INSPECT_TIMEOUT_MS, limit: 1 });
  return { reply: replies[name] ?? { error: `no reply from ${name} within ${INSPECT_TIMEOUT_MS / 1000} s` } };
}
