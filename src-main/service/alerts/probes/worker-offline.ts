/**
 * worker-offline: a worker the cluster knows (Python's too) that is offline, and was last heard
 * at least the rule's seconds ago. It holds until the worker is heard again (or forgotten).
 */
import type { AlertRule } from '../../contract/types/alerts.js';
import { durationWords } from '../alert-words.js';
import type { Readings } from './readings.js';

type WorkerOfflineRule = Extract<AlertRule, { kind: 'worker-offline' }>;

export async function workerOffline(rule: WorkerOfflineRule, r: Readings): Promise<Map<string, string>> {
  const holding = new Map<string, string>();
  for (const w of await r.workers()) {
    if (w.online || (rule.worker !== null && w.name !== rule.worker)) continue;
    const silentMs = r.now - w.lastHeartbeat;
    if (silentMs < rule.seconds * 1000) continue;
    const why = w.offlineReason === 'shutdown' ? 'it shut down' : 'its heartbeats stopped';
    holding.set(w.name, `worker ${w.name} is offline (${why}; last heard ${durationWords(silentMs / 1000)} ago; rule: ${durationWords(rule.seconds)} or more)`);
  }
  return holding;
}
