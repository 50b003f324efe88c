/**
 * `/metrics` for Prometheus, with celery-exporter's metric names and labels (`name`,
 * `hostname`, `queue_name`; `exception` on failures), so its dashboards and alerts work as they
 * are. Counts come from the control room's history (every task it heard of, Python's too;
 * counted as it heard them, never lowered, each label bounded: history/metric-totals.ts), the
 * workers from their heartbeats, the queue lengths from Redis.
 *
 * Written here in Prometheus' text format from the kept counters, a slice at a time with the
 * event loop let go between slices, and the page kept for a second: a scraper polling fast, or
 * several at once, costs one rendering.
 */
import type { QueueInfo } from '../../core/broker/queue-list.js';
import type { HistoryReader } from '../history/history-reader.js';
import { cutLabel, OTHER, RUNTIME_BUCKETS, type MetricCounts } from '../history/metric-totals.js';
import type { WorkerInfo } from '../../core/worker/worker-list.js';

export interface MetricSources {
  history: HistoryReader;
  workers(): WorkerInfo[] | Promise<WorkerInfo[]>;
  queues(): Promise<QueueInfo[]>;
}

/** Prometheus' text exposition format, version 0.0.4. */
export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** How long a rendered page is served again, ms. */
export const PAGE_KEPT_MS = 1000;
/** Series written between two yields to the event loop. */
const SLICE = 200;
/** Workers and queues given a series of their own at most (by heartbeat, by depth); the rest are summed under `other`. */
export const MAX_GAUGE_SERIES = 300;

const escapeLabel = (v: string): string => (/[\\\n"]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v);
const labelText = (labels: Record<string, string>): string => `{${Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
const num = (n: number): string => (Number.isNaN(n) ? 'NaN' : n === Infinity ? '+Inf' : n === -Infinity ? '-Inf' : String(n));
const header = (name: string, help: string, type: string): string => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
const yieldLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The text of one metric from its samples, a slice at a time. */
async function write(out: string[], name: string, help: string, type: string, samples: Iterable<string>): Promise<void> {
  out.push(header(name, help, type));
  let n = 0;
  for (const line of samples) {
    out.push(line);
    if (++n % SLICE === 0) await yieldLoop();
  }
}

const TASK_COUNTERS = [
  ['sent', 'celery_task_sent_total', 'Tasks sent (each task the history heard of, once).'],
  ['received', 'celery_task_received_total', 'Tasks a worker received.'],
  ['started', 'celery_task_started_total', 'Tasks a worker started.'],
  ['succeeded', 'celery_task_succeeded_total', 'Tasks that succeeded.'],
  ['revoked', 'celery_task_revoked_total', 'Tasks revoked.'],
  ['retried', 'celery_task_retried_total', 'Retries.'],
] as const;

/** The task counters and the runtime histogram, from the history's kept totals. */
async function writeTasks(out: string[], counts: MetricCounts): Promise<void> {
  // A series' labels are written once, not once per line.
  const texts = new Map<string, string>();
  const labelsOf = (t: { name: string; worker: string; queue: string }): string => {
    const key = `${t.name}\t${t.worker}\t${t.queue}`;
    let text = texts.get(key);
    if (text === undefined) texts.set(key, (text = `name="${escapeLabel(t.name)}",hostname="${escapeLabel(t.worker)}",queue_name="${escapeLabel(t.queue)}"`));
    return text;
  };
  for (const [field, name, help] of TASK_COUNTERS) {
    await write(out, name, help, 'counter', (function* () {
      for (const t of counts.tasks) if (t[field] > 0) yield `${name}{${labelsOf(t)}} ${num(t[field])}\n`;
    })());
  }
  await write(out, 'celery_task_failed_total', 'Tasks that failed, by exception type.', 'counter', (function* () {
    for (const f of counts.failed) yield `celery_task_failed_total{${labelsOf(f)},exception="${escapeLabel(f.exception)}"} ${num(f.n)}\n`;
  })());
  // The histogram's buckets were counted as the history was written (observing a million runtimes per scrape would not do).
  await write(out, 'celery_task_runtime', 'Task runtime, seconds.', 'histogram', (function* () {
    for (const r of counts.runtime) {
      const l = labelsOf(r);
      let lines = '';
      for (let i = 0; i < RUNTIME_BUCKETS.length; i++) lines += `celery_task_runtime_bucket{${l},le="${RUNTIME_BUCKETS[i]}"} ${num(r.le[i]!)}\n`;
      lines += `celery_task_runtime_bucket{${l},le="+Inf"} ${num(r.count)}\ncelery_task_runtime_sum{${l}} ${num(r.sum)}\ncelery_task_runtime_count{${l}} ${num(r.count)}\n`;
      yield lines;
    }
  })());
}

/**
 * Worker and queue gauges, MAX_GAUGE_SERIES at most each: the online workers by newest
 * heartbeat, the deepest queues; the others summed under `other`.
 */
async function writeGauges(out: string[], workers: WorkerInfo[], queues: QueueInfo[]): Promise<void> {
  const ws = [...workers].sort((a, b) => Number(b.online) - Number(a.online) || b.lastHeartbeat - a.lastHeartbeat);
  const up = new Map<string, number>();
  const active = new Map<string, number>();
  ws.forEach((w, i) => {
    const name = i < MAX_GAUGE_SERIES ? cutLabel(w.name) : OTHER;
    up.set(name, (up.get(name) ?? 0) + (w.online ? 1 : 0));
    active.set(name, (active.get(name) ?? 0) + (w.online ? w.active : 0));
  });
  await write(out, 'celery_worker_up', 'A worker is online (heard from within two heartbeats).', 'gauge', [...up].map(([h, v]) => `celery_worker_up${labelText({ hostname: h })} ${num(v)}\n`));
  await write(out, 'celery_worker_tasks_active', 'Tasks a worker runs now.', 'gauge', [...active].map(([h, v]) => `celery_worker_tasks_active${labelText({ hostname: h })} ${num(v)}\n`));
  const qs = [...queues].sort((a, b) => b.depth - a.depth);
  const length = new Map<string, number>();
  qs.forEach((q, i) => {
    const name = i < MAX_GAUGE_SERIES ? cutLabel(q.name) : OTHER;
    length.set(name, (length.get(name) ?? 0) + q.depth);
  });
  await write(out, 'celery_queue_length', 'Messages waiting in a queue.', 'gauge', [...length].map(([q, v]) => `celery_queue_length${labelText({ queue_name: q })} ${num(v)}\n`));
}

/** One history's /metrics page: rendered at most once per PAGE_KEPT_MS, concurrent scrapes sharing it. */
class MetricsPage {
  private page: Promise<{ contentType: string; body: string }> | null = null;
  private renderedAt = -Infinity;

  render(s: MetricSources, now = Date.now()): Promise<{ contentType: string; body: string }> {
    if (this.page && now - this.renderedAt < PAGE_KEPT_MS) return this.page;
    this.renderedAt = now;
    const page = (async () => {
      const out: string[] = [];
      await writeTasks(out, s.history.metricCounts());
      await writeGauges(out, await s.workers(), await s.queues());
      return { contentType: CONTENT_TYPE, body: out.join('') };
    })();
    this.page = page;
    // A failed rendering (Redis away for the queues) is not served again.
    page.catch(() => {
      if (this.page === page) this.page = null;
    });
    return page;
  }
}

const pages = new WeakMap<HistoryReader, MetricsPage>();

/** The /metrics page of a connection's history, workers and queues (rendered again at most once a second). */
export function renderMetrics(s: MetricSources): Promise<{ contentType: string; body: string }> {
  let page = pages.get(s.history);
  if (!page) pages.set(s.history, (page = new MetricsPage()));
  return page.render(s);
}
