/**
 * The totals behind /metrics, counted as the history is written: a row that is new is a task
 * sent; a state it enters is a task succeeded, failed or revoked; a received/started time it
 * takes is a task received/started; retries it gains are retries; a runtime it takes is one
 * observation of the histogram. Labelled as celery-exporter labels them (task name, worker,
 * queue; the exception type on failures), with the row's labels when it is counted.
 *
 * These are Prometheus counters: they never go down. The retention dropping old tasks, or a
 * task that failed and later succeeded under its id, takes nothing back (a drop would read as
 * a counter reset, and rate() would show a spike).
 */

/** The runtime histogram's buckets, seconds (prom-client's defaults). Changing them means recounting. */
export const RUNTIME_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** The fields of a row the totals count. */
export interface Totalled {
  name: string | null;
  state: string;
  worker: string | null;
  queue: string | null;
  retries: number | null;
  exception: string | null;
  received_at: number | null;
  started_at: number | null;
  runtime: number | null;
}

type Metric = 'sent' | 'received' | 'started' | 'succeeded' | 'revoked' | 'retried' | 'failed' | 'runtime_count' | 'runtime_sum' | 'runtime_bucket';

export interface MetricCounts {
  tasks: Array<{ name: string; worker: string; queue: string; sent: number; received: number; started: number; succeeded: number; revoked: number; retried: number }>;
  failed: Array<{ name: string; worker: string; queue: string; exception: string; n: number }>;
  /** `le` cumulative, one per RUNTIME_BUCKETS, as Prometheus wants them. */
  runtime: Array<{ name: string; worker: string; queue: string; count: number; sum: number; le: number[] }>;
}

/** The exception's type, from `Type('message')`. */
const exceptionType = (e: string | null): string => (e ?? '').split('(')[0]!;

/** The bucket a runtime is counted in (RUNTIME_BUCKETS.length for +Inf only). */
function bucketOf(runtime: number): number {
  const i = RUNTIME_BUCKETS.findIndex((le) => runtime <= le);
  return i === -1 ? RUNTIME_BUCKETS.length : i;
}

/** What one row's write counts: which counters it moves, by how much, in which bucket. */
const SENT = 1, RECEIVED = 2, STARTED = 4, SUCCEEDED = 8, REVOKED = 16, FAILED = 32, OBSERVED = 64;

/**
 * Totals by key (`metric<TAB>["name","worker","queue"]<TAB>extra as JSON`: JSON holds no raw
 * tab), and the writes not added yet: one map entry per kind of write (what it moved, its
 * labels), not one per counter, spread over the counters once per transaction.
 */
export class MetricTotals {
  private readonly totals = new Map<string, number>();
  /** Writes since the last `takeChanges`, by what they moved and their labels: how many, and their runtimes' sum. */
  private readonly writes = new Map<string, { n: number; sum: number }>();
  /** The labels of the row before, as JSON (a burst's rows mostly share them). */
  private last: { name: string | null; worker: string | null; queue: string | null; json: string } = { name: null, worker: null, queue: null, json: '["","",""]' };

  /** Loads the stored totals (again, after a write that rolled back), forgetting what was not written. */
  load(rows: Iterable<{ key: string; n: number }>): void {
    this.totals.clear();
    this.writes.clear();
    for (const r of rows) this.totals.set(r.key, r.n);
  }

  /** Counts what a row's write says happened, from the row before it (null: the row is new). */
  count(before: Totalled | null, row: Totalled): void {
    let flags = before === null ? SENT : 0;
    if (row.received_at !== null && row.received_at !== before?.received_at) flags |= RECEIVED;
    if (row.started_at !== null && row.started_at !== before?.started_at) flags |= STARTED;
    let exception = '';
    if (row.state !== before?.state) {
      if (row.state === 'SUCCESS') flags |= SUCCEEDED;
      else if (row.state === 'REVOKED') flags |= REVOKED;
      else if (row.state === 'FAILURE') {
        flags |= FAILED;
        exception = exceptionType(row.exception);
      }
    }
    const retried = Math.max(0, (row.retries ?? 0) - (before?.retries ?? 0));
    const observed = row.runtime !== null && row.runtime !== before?.runtime;
    if (observed) flags |= OBSERVED;
    if (flags === 0 && retried === 0) return;
    const l = this.last;
    if (l.name !== row.name || l.worker !== row.worker || l.queue !== row.queue) {
      this.last = { name: row.name, worker: row.worker, queue: row.queue, json: JSON.stringify([row.name ?? '', row.worker ?? '', row.queue ?? '']) };
    }
    const key = `${flags} ${retried} ${observed ? bucketOf(row.runtime!) : 0}\t${this.last.json}\t${exception === '' ? '""' : JSON.stringify(exception)}`;
    const w = this.writes.get(key);
    if (w) {
      w.n++;
      if (observed) w.sum += row.runtime!;
    } else {
      this.writes.set(key, { n: 1, sum: observed ? row.runtime! : 0 });
    }
  }

  /** The writes since the last call as counter changes, added to the totals, to be written. */
  takeChanges(): Array<{ key: string; n: number }> {
    const changes = new Map<string, number>();
    const add = (metric: Metric, labels: string, n: number, extra: string | number = ''): void => {
      const key = `${metric}\t${labels}\t${JSON.stringify(extra)}`;
      changes.set(key, (changes.get(key) ?? 0) + n);
    };
    for (const [key, { n, sum }] of this.writes) {
      const [counted, labels, exceptionJson] = key.split('\t') as [string, string, string];
      const [flagText, retriedText, bucketText] = counted.split(' ') as [string, string, string];
      const flags = Number(flagText);
      if (flags & SENT) add('sent', labels, n);
      if (flags & RECEIVED) add('received', labels, n);
      if (flags & STARTED) add('started', labels, n);
      if (flags & SUCCEEDED) add('succeeded', labels, n);
      if (flags & REVOKED) add('revoked', labels, n);
      if (flags & FAILED) add('failed', labels, n, JSON.parse(exceptionJson) as string);
      if (Number(retriedText) > 0) add('retried', labels, n * Number(retriedText));
      if (flags & OBSERVED) {
        add('runtime_count', labels, n);
        add('runtime_sum', labels, sum);
        add('runtime_bucket', labels, n, Number(bucketText));
      }
    }
    this.writes.clear();
    const out = [...changes].map(([key, n]) => ({ key, n }));
    for (const { key, n } of out) this.totals.set(key, (this.totals.get(key) ?? 0) + n);
    return out;
  }

  /** The totals as /metrics renders them. */
  counts(): MetricCounts {
    const tasks = new Map<string, MetricCounts['tasks'][number]>();
    const runtime = new Map<string, { name: string; worker: string; queue: string; count: number; sum: number; per: number[] }>();
    const failed: MetricCounts['failed'] = [];
    for (const [key, n] of this.totals) {
      const [metric, labels, extraJson] = key.split('\t') as [Metric, string, string];
      const [name, worker, queue] = JSON.parse(labels) as [string, string, string];
      const extra = JSON.parse(extraJson) as string | number;
      if (metric === 'failed') {
        failed.push({ name, worker, queue, exception: String(extra), n });
      } else if (metric.startsWith('runtime_')) {
        let r = runtime.get(labels);
        if (!r) runtime.set(labels, (r = { name, worker, queue, count: 0, sum: 0, per: new Array<number>(RUNTIME_BUCKETS.length + 1).fill(0) }));
        if (metric === 'runtime_count') r.count += n;
        else if (metric === 'runtime_sum') r.sum += n;
        else r.per[Number(extra)]! += n;
      } else {
        let t = tasks.get(labels);
        if (!t) tasks.set(labels, (t = { name, worker, queue, sent: 0, received: 0, started: 0, succeeded: 0, revoked: 0, retried: 0 }));
        t[metric as 'sent'] += n;
      }
    }
    return {
      tasks: [...tasks.values()],
      failed,
      runtime: [...runtime.values()].map(({ per, ...r }) => {
        let sum = 0;
        return { ...r, le: RUNTIME_BUCKETS.map((_, i) => (sum += per[i]!)) };
      }),
    };
  }
}
