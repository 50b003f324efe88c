/**
 * `/metrics` for Prometheus, with celery-exporter's metric names and labels (`name`,
 * `hostname`, `queue_name`; `exception` on failures), so its dashboards and alerts work as they
 * are. Counts come from the control room's history (every task it heard of, Python's too;
 * counted as it heard them, never lowered: history/metric-totals.ts), the
 * workers from their heartbeats, the queue lengths from Redis; prom-client writes the format.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { HistoryStore } from './history/history-store.js';
import { RUNTIME_BUCKETS } from './history/metric-totals.js';
import type { QueueInfo } from './queues.js';
import type { WorkerInfo } from './workers.js';

export interface MetricSources {
  history: HistoryStore;
  workers(): WorkerInfo[] | Promise<WorkerInfo[]>;
  queues(): Promise<QueueInfo[]>;
}

export async function renderMetrics(s: MetricSources): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const labels = ['name', 'hostname', 'queue_name'] as const;
  const counter = (name: string, help: string, extra: string[] = []) => new Counter({ name, help, labelNames: [...labels, ...extra], registers: [registry] });
  const counts = s.history.metricCounts();
  const byState = {
    sent: counter('celery_task_sent_total', 'Tasks sent (each task the history heard of, once).'),
    received: counter('celery_task_received_total', 'Tasks a worker received.'),
    started: counter('celery_task_started_total', 'Tasks a worker started.'),
    succeeded: counter('celery_task_succeeded_total', 'Tasks that succeeded.'),
    revoked: counter('celery_task_revoked_total', 'Tasks revoked.'),
    retried: counter('celery_task_retried_total', 'Retries.'),
  };
  for (const t of counts.tasks) {
    const l = { name: t.name, hostname: t.worker, queue_name: t.queue };
    for (const [k, c] of Object.entries(byState)) {
      const v = t[k as keyof typeof byState];
      if (v > 0) c.inc(l, v);
    }
  }
  const failed = counter('celery_task_failed_total', 'Tasks that failed, by exception type.', ['exception']);
  for (const f of counts.failed) failed.inc({ name: f.name, hostname: f.worker, queue_name: f.queue, exception: f.exception }, f.n);
  // The runtime histogram, its buckets counted as the history was written (observing a million runtimes per scrape would not do).
  registry.registerMetric({
    name: 'celery_task_runtime',
    get: async () => ({
      name: 'celery_task_runtime', help: 'Task runtime, seconds.', type: 'histogram', aggregator: 'sum',
      values: counts.runtime.flatMap((r) => {
        const l = { name: r.name, hostname: r.worker, queue_name: r.queue };
        return [
          ...RUNTIME_BUCKETS.map((le, i) => ({ metricName: 'celery_task_runtime_bucket', labels: { ...l, le }, value: r.le[i]! })),
          { metricName: 'celery_task_runtime_bucket', labels: { ...l, le: '+Inf' }, value: r.count },
          { metricName: 'celery_task_runtime_sum', labels: l, value: r.sum },
          { metricName: 'celery_task_runtime_count', labels: l, value: r.count },
        ];
      }),
    }),
  } as unknown as Counter);
  const up = new Gauge({ name: 'celery_worker_up', help: 'A worker is online (heard from within two heartbeats).', labelNames: ['hostname'], registers: [registry] });
  const active = new Gauge({ name: 'celery_worker_tasks_active', help: 'Tasks a worker runs now.', labelNames: ['hostname'], registers: [registry] });
  for (const w of await s.workers()) {
    up.set({ hostname: w.name }, w.online ? 1 : 0);
    active.set({ hostname: w.name }, w.online ? w.active : 0);
  }
  const length = new Gauge({ name: 'celery_queue_length', help: 'Messages waiting in a queue.', labelNames: ['queue_name'], registers: [registry] });
  for (const q of await s.queues()) length.set({ queue_name: q.name }, q.depth);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
