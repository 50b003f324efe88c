/**
 * Follows a batch from the result backend alone (any worker writes results, Python's too):
 * one MGET per thousand items a tick, until every item has a final state.
 */
import type { App } from '../app.js';

export interface BatchCounts {
  total: number;
  succeeded: number;
  failed: number;
  revoked: number;
  /** Started, in progress or retrying. */
  running: number;
}

const FINAL = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);
const CHUNK = 1000;

/** The batch's counts now, and the failures as `[task id, message]`. */
export async function batchCounts(app: App, ids: readonly string[]): Promise<{ counts: BatchCounts; failures: Array<[string, string]> }> {
  const counts: BatchCounts = { total: ids.length, succeeded: 0, failed: 0, revoked: 0, running: 0 };
  const failures: Array<[string, string]> = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const metas = await app.backend.getMany(chunk);
    metas.forEach((m, j) => {
      if (!m) return;
      if (m.status === 'SUCCESS') counts.succeeded++;
      else if (m.status === 'FAILURE') {
        counts.failed++;
        const r = m.result as { exc_type?: string; exc_message?: unknown } | null;
        failures.push([chunk[j]!, `${r?.exc_type ?? 'Error'}: ${Array.isArray(r?.exc_message) ? r.exc_message.join(' ') : String(r?.exc_message ?? '')}`]);
      } else if (m.status === 'REVOKED') counts.revoked++;
      else if (!FINAL.has(m.status) && m.status !== 'PENDING') counts.running++;
    });
  }
  return { counts, failures };
}

/**
 * Polls until every item is final (or `timeoutMs` passes), calling `onTick` each time.
 * @returns the last counts and failures
 */
export async function waitForBatch(
  app: App, ids: readonly string[], onTick: (counts: BatchCounts) => void, options: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<{ counts: BatchCounts; failures: Array<[string, string]>; timedOut: boolean }> {
  const end = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  for (;;) {
    const { counts, failures } = await batchCounts(app, ids);
    onTick(counts);
    if (counts.succeeded + counts.failed + counts.revoked === counts.total) return { counts, failures, timedOut: false };
    if (Date.now() >= end) return { counts, failures, timedOut: true };
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}
