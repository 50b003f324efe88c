/**
 * The control room's history (SQLite): events into it per second beside Python Celery's own
 * events.state.State fed the same events, and reading a history of 1M tasks: open, a page, a
 * qualifier filter, a full-text search, and the process's RSS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { HistoryStore } from '../dist/src-main/service/history/history-store.js';
import { renderMetrics } from '../dist/src-main/service/overview/metrics.js';
import type { CeleryEvent } from '../dist/src-main/core/events/envelope.js';
import type { Row } from './lib/report.js';

const T0 = 1_795_000_000;

/** A short task's three events, as a Celery 5 worker sends them. */
function taskEvents(i: number): CeleryEvent[] {
  const uuid = `${String(i).padStart(8, '0')}-4f1a-4c2b-9d3e-5a6b7c8d9e0f`;
  const base = { hostname: 'celery@bench', utcoffset: 0, pid: 1, clock: i, local_received: T0 + i / 1000 };
  return [
    { ...base, type: 'task-received', uuid, timestamp: T0 + i / 1000, name: i % 5 === 0 ? 'tasks.resize' : 'tasks.add', args: `(${i}, 2)`, kwargs: '{}', retries: 0, root_id: uuid, parent_id: null, eta: null, expires: null },
    { ...base, type: 'task-started', uuid, timestamp: T0 + i / 1000 + 0.0001 },
    i % 50 === 0
      ? { ...base, type: 'task-failed', uuid, timestamp: T0 + i / 1000 + 0.0002, exception: `KeyError('size-${i}')`, traceback: `Traceback (most recent call last):\n  File "tasks.py", line 9, in resize\nKeyError: 'size-${i}'` }
      : { ...base, type: 'task-succeeded', uuid, timestamp: T0 + i / 1000 + 0.0002, result: String(i + 2), runtime: 0.0001 + (i % 997) / 10_000 },
  ] as CeleryEvent[];
}

function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const v = fn();
  return [v, performance.now() - t];
}

/** @param redisUrl a private Redis, for the overview's queue reads (a few queues, with waiting messages) */
export async function benchHistory(hasPython: boolean, redisUrl: string): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-bench-history-'));
  try {
    // Events per second: 40k tasks, 120k events, in bursts of 1,000 (what the receiver hands over).
    const events = Array.from({ length: 40_000 }, (_, i) => taskEvents(i)).flat();
    const store = new HistoryStore(join(dir, 'events.sqlite'));
    const [, ms] = time(() => {
      for (let i = 0; i < events.length; i += 1000) store.applyEvents(events.slice(i, i + 1000));
    });
    store.close();
    const ours = events.length / (ms / 1000);
    let python: number | null = null;
    if (hasPython) {
      const file = join(dir, 'events.json');
      writeFileSync(file, JSON.stringify(events));
      const r = spawnSync('/usr/bin/python3', [fileURLToPath(new URL('./python/state.py', import.meta.url)), file], { encoding: 'utf8' });
      python = r.status === 0 ? (JSON.parse(r.stdout) as { events_per_s: number }).events_per_s : null;
    }

    // /metrics when any producer chose the names: 100k distinct task names, scraped while the
    // event loop is watched (the labels are bounded; the rendering lets go between slices).
    const named = new HistoryStore(join(dir, 'names.sqlite'));
    for (let i = 0; i < 100_000; i += 1000) {
      named.applyEvents(Array.from({ length: 1000 }, (_, k) => taskEvents(i + k).map((e) => ('name' in e ? { ...e, name: `tasks.n${i + k}` } : e))).flat());
    }
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const scrapeStarted = performance.now();
    const page = await renderMetrics({ history: named, workers: () => [], queues: async () => [] });
    const scrapeMs = performance.now() - scrapeStarted;
    delay.disable();
    named.close();

    // 1M tasks (received + succeeded or failed each), written once, then read as the page does.
    // Seen over 7 days (a burst of 200 a minute and a half apart): the 7 d overview's range
    // holds all of them, in as many slots as a busy week has.
    const big = join(dir, 'million.sqlite');
    const fill = new HistoryStore(big);
    for (let i = 0; i < 1_000_000; i += 200) {
      const burst: CeleryEvent[] = [];
      for (let j = i; j < i + 200; j++) {
        const [received, , end] = taskEvents(j);
        burst.push(received!, end!);
      }
      fill.applyEvents(burst, T0 + i * 0.6);
    }
    fill.close();
    // Read in a fresh process: its start, and its RSS, are the control room's with this history.
    const reader = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./lib/history-reader.ts', import.meta.url)), big, redisUrl], { encoding: 'utf8' });
    if (reader.status !== 0) throw new Error(`the history reader failed: ${reader.stderr}`);
    const r = JSON.parse(reader.stdout.trim().split('\n').pop()!) as { ready: number; page: number; filter: number; fts: number; metrics: number; summary: number; failures: number; overview: number; overviewFirst: number; counts: number[]; rss: number };
    if (r.counts[0] !== 20_000 || r.counts[1] !== 1) console.warn(`[bench] history: unexpected counts ${r.counts.join(', ')}`);
    return [
      { metric: 'events into the history (one core)', celeriac: ours, celery: python, unit: 'events/s', goal: '>= 50000 and >= 10× events.state' },
      { metric: '1M tasks: ready after the process starts', celeriac: r.ready, unit: 'ms', goal: '<= 1000' },
      { metric: '1M tasks: a page (100 rows, and the count)', celeriac: r.page, unit: 'ms', goal: '<= 50' },
      { metric: '1M tasks: qualifier filter (state + name)', celeriac: r.filter, unit: 'ms', goal: '<= 100' },
      { metric: '1M tasks: full-text search', celeriac: r.fts, unit: 'ms', goal: '<= 300' },
      { metric: '1M tasks: RSS of a process reading it', celeriac: r.rss, unit: 'MB', goal: '<= 300' },
      { metric: '1M tasks: /metrics rendered (counters by task, worker, queue; failures; runtime histogram)', celeriac: r.metrics, unit: 'ms', goal: '<= 50 (#15)' },
      { metric: "1M tasks: the summary bar's counts by state", celeriac: r.summary, unit: 'ms' },
      { metric: "1M tasks over 7 d: the overview refreshed (168 buckets, per-task counts and p50/p95, 3 queues' depth and oldest age)", celeriac: r.overview, unit: 'ms', goal: '<= 100 (#15)' },
      { metric: '1M tasks over 7 d: the overview, its first refresh in a fresh process', celeriac: r.overviewFirst, unit: 'ms' },
      { metric: '1M tasks: the newest 50k failures read for grouping', celeriac: r.failures, unit: 'ms' },
      { metric: '/metrics over 100k distinct task names: rendered', celeriac: scrapeMs, unit: 'ms' },
      { metric: '/metrics over 100k distinct task names: its size (labels bounded, the rest under other)', celeriac: page.body.length / 1024, unit: 'KB' },
      { metric: '/metrics over 100k distinct task names: the longest the event loop waited during the scrape', celeriac: delay.max / 1e6, unit: 'ms', goal: 'a few ms' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
