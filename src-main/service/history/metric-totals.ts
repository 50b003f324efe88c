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
 *
 * Bounded as any producer's names are: each label keeps at most `maxLabelValues` values (the
 * first heard; the others are counted under `other`), a metric at most `maxSeries` label sets
 * (the others under `other` for all three), a value at most MAX_LABEL_CHARS, the exception
 * label is the exception's type cut to MAX_EXCEPTION_CHARS. A label set not counted within the
 * retention's age goes with it (`prune`): its last count is kept as a total of its own.
 */

/** The runtime histogram's buckets, seconds (the Prometheus client libraries' defaults). Changing them means recounting. */
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

/** The bounds on the labels, as `MetricTotals` takes them. */
export interface MetricLimits {
  /** Values kept per label (task names, workers, queues, exception types); the rest count as `other`. @default 300 */
  maxLabelValues: number;
  /** Label sets (task name, worker, queue) kept; the rest count as `other` in all three. @default 1000 */
  maxSeries: number;
}

/** A positive whole number from the environment, else `fallback`. */
function fromEnv(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** The defaults, or `CELERIAC_METRICS_MAX_LABEL_VALUES` / `CELERIAC_METRICS_MAX_SERIES` when set. */
export const DEFAULT_METRIC_LIMITS: MetricLimits = {
  maxLabelValues: fromEnv('CELERIAC_METRICS_MAX_LABEL_VALUES', 300),
  maxSeries: fromEnv('CELERIAC_METRICS_MAX_SERIES', 1000),
};

/** Characters of a label value kept (a task name, a worker, a queue). */
export const MAX_LABEL_CHARS = 200;
/** Characters of the exception label kept: its type, never its message. */
export const MAX_EXCEPTION_CHARS = 80;
/** What a value beyond the bounds is counted as. */
export const OTHER = 'other';
const OTHER_LABELS = JSON.stringify([OTHER, OTHER, OTHER]);
/** No row counted yet in this transaction. */
const NO_LABELS = Object.freeze({ name: null, worker: null, queue: null, json: '' });
/** A label set's last count is written again at most this often (seconds): the retention counts in days. */
const SEEN_EVERY_S = 3600;

type Metric = 'sent' | 'received' | 'started' | 'succeeded' | 'revoked' | 'retried' | 'failed' | 'runtime_count' | 'runtime_sum' | 'runtime_bucket' | 'seen';

export interface MetricCounts {
  tasks: Array<{ name: string; worker: string; queue: string; sent: number; received: number; started: number; succeeded: number; revoked: number; retried: number }>;
  failed: Array<{ name: string; worker: string; queue: string; exception: string; n: number }>;
  /** `le` cumulative, one per RUNTIME_BUCKETS, as Prometheus wants them. */
  runtime: Array<{ name: string; worker: string; queue: string; count: number; sum: number; le: number[] }>;
}

/** The exception's type, from `Type('message')`, cut to MAX_EXCEPTION_CHARS. */
const exceptionType = (e: string | null): string => cutLabel((e ?? '').split('(')[0]!, MAX_EXCEPTION_CHARS);

/** A label value within `max` characters (its beginning, marked). */
export const cutLabel = (v: string, max = MAX_LABEL_CHARS): string => (v.length <= max ? v : `${v.slice(0, max - 1)}…`);

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
  /** The labels of the row before, raw, and as counted (JSON): a burst's rows mostly share them. */
  private last: Readonly<{ name: string | null; worker: string | null; queue: string | null; json: string }> = NO_LABELS;
  /** The values each label keeps, and the label sets (JSON) counted. */
  private readonly values = { name: new Set<string>(), worker: new Set<string>(), queue: new Set<string>(), exception: new Set<string>() };
  private readonly series = new Set<string>();
  /** The failure series (label set and exception) counted: at most maxSeries, the others' exception `other`. */
  private readonly failures = new Set<string>();
  /** Label sets counted since the last `takeChanges` (their last count is noted). */
  private readonly touched = new Set<string>();
  /** Label sets (JSON) as [name, worker, queue], parsed once. */
  private readonly parsed = new Map<string, [string, string, string]>();
  private readonly limits: MetricLimits;
  /** Counts up at every change of the totals (a rendered page of them is current while it is the same). */
  version = 0;

  constructor(limits: Partial<MetricLimits> = {}) {
    this.limits = { ...DEFAULT_METRIC_LIMITS, ...limits };
  }

  /**
   * Loads the stored totals (again, after a write that rolled back), forgetting what was not
   * written. Totals stored beyond the bounds (a history counted before them) are moved under
   * `other` by the next write; label sets never noted as seen are noted now.
   */
  load(rows: Iterable<{ key: string; n: number }>): void {
    this.totals.clear();
    this.writes.clear();
    this.touched.clear();
    this.moves.clear();
    this.series.clear();
    this.failures.clear();
    for (const v of Object.values(this.values)) v.clear();
    this.last = NO_LABELS;
    this.version++;
    const stored = [...rows].filter((r) => r.n !== 0);
    const seen = new Set<string>();
    for (const { key, n } of stored) {
      const [metric, labels, extraJson] = key.split('\t') as [Metric, string, string];
      if (metric === 'seen') {
        this.totals.set(key, n);
        seen.add(labels);
        continue;
      }
      const [name, worker, queue] = this.labelsOf(labels);
      const bounded = this.bounded(name, worker, queue);
      let extra = extraJson;
      if (metric === 'failed') {
        const exception = JSON.parse(extraJson) as string;
        const kept = this.failureLabel(bounded, this.exceptionLabel(exception));
        if (kept !== exception) extra = JSON.stringify(kept);
      }
      if (bounded === labels && extra === extraJson) {
        this.totals.set(key, (this.totals.get(key) ?? 0) + n);
        continue;
      }
      // Beyond the bounds: taken off its own key and added to the bounded one (in memory now, stored with the next changes).
      const moved = `${metric}\t${bounded}\t${extra}`;
      this.totals.set(moved, (this.totals.get(moved) ?? 0) + n);
      this.moves.set(key, (this.moves.get(key) ?? 0) - n);
      this.moves.set(moved, (this.moves.get(moved) ?? 0) + n);
    }
    for (const labels of this.series) if (!seen.has(labels)) this.touched.add(labels);
  }

  /** Stored totals moved under the bounds on loading (in memory already), written with the next `takeChanges`. */
  private readonly moves = new Map<string, number>();

  private labelsOf(json: string): [string, string, string] {
    let l = this.parsed.get(json);
    if (!l) {
      l = JSON.parse(json) as [string, string, string];
      if (this.parsed.size >= this.limits.maxSeries * 4) this.parsed.clear();
      this.parsed.set(json, l);
    }
    return l;
  }

  /** A label's value as counted: itself while the label keeps it (or has room), else `other`. */
  private admit(values: Set<string>, value: string): string {
    const v = cutLabel(value);
    if (values.has(v)) return v;
    if (values.size >= this.limits.maxLabelValues) return OTHER;
    values.add(v);
    return v;
  }

  private exceptionLabel(exception: string): string {
    return exception === '' ? '' : this.admit(this.values.exception, exception);
  }

  /** A failure's exception label as counted: `other` once maxSeries failure series are counted. */
  private failureLabel(labels: string, exception: string): string {
    const key = `${labels}\t${exception}`;
    if (this.failures.has(key)) return exception;
    if (this.failures.size >= this.limits.maxSeries) {
      this.failures.add(`${labels}\t${OTHER}`);
      return OTHER;
    }
    this.failures.add(key);
    return exception;
  }

  /** A row's labels as counted, as JSON: each bounded, and the set within maxSeries. */
  private bounded(name: string, worker: string, queue: string): string {
    const json = JSON.stringify([this.admit(this.values.name, name), this.admit(this.values.worker, worker), this.admit(this.values.queue, queue)]);
    if (this.series.has(json)) return json;
    if (this.series.size >= this.limits.maxSeries) {
      this.series.add(OTHER_LABELS);
      return OTHER_LABELS;
    }
    this.series.add(json);
    return json;
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
        exception = this.exceptionLabel(exceptionType(row.exception));
      }
    }
    const retried = Math.max(0, (row.retries ?? 0) - (before?.retries ?? 0));
    const observed = row.runtime !== null && row.runtime !== before?.runtime;
    if (observed) flags |= OBSERVED;
    if (flags === 0 && retried === 0) return;
    const l = this.last;
    if (l.json === '' || l.name !== row.name || l.worker !== row.worker || l.queue !== row.queue) {
      this.last = { name: row.name, worker: row.worker, queue: row.queue, json: this.bounded(row.name ?? '', row.worker ?? '', row.queue ?? '') };
      this.touched.add(this.last.json);
    }
    if (flags & FAILED) exception = this.failureLabel(this.last.json, exception);
    const key = `${flags} ${retried} ${observed ? bucketOf(row.runtime!) : 0}\t${this.last.json}\t${exception === '' ? '""' : JSON.stringify(exception)}`;
    const w = this.writes.get(key);
    if (w) {
      w.n++;
      if (observed) w.sum += row.runtime!;
    } else {
      this.writes.set(key, { n: 1, sum: observed ? row.runtime! : 0 });
    }
  }

  /**
   * The writes since the last call as counter changes, added to the totals, to be written.
   * @param now unix seconds: when the label sets counted were last seen
   */
  takeChanges(now = Date.now() / 1000): Array<{ key: string; n: number }> {
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
    // The last time a label set counted, kept as a total whose value is that time (the store adds changes up).
    for (const labels of this.touched) {
      const key = `seen\t${labels}\t""`;
      const was = this.totals.get(key) ?? 0;
      if (now - was >= SEEN_EVERY_S) add('seen', labels, now - was);
    }
    this.touched.clear();
    // The next transaction's first row notes its label set again, even when it is the one
    // counted last: a label set counted back to back for days is still seen.
    this.last = NO_LABELS;
    const out = [...changes].filter(([, n]) => n !== 0).map(([key, n]) => ({ key, n }));
    for (const { key, n } of out) this.totals.set(key, (this.totals.get(key) ?? 0) + n);
    if (out.length > 0) this.version++;
    const moved = [...this.moves].map(([key, n]) => ({ key, n }));
    this.moves.clear();
    return [...moved, ...out];
  }

  /**
   * Forgets the label sets not counted since `before` (unix s), and the totals left at zero.
   * @returns the keys to delete from the stored totals
   */
  prune(before: number): string[] {
    const stale = new Set<string>();
    for (const [key, n] of this.totals) {
      const [metric, labels] = key.split('\t') as [Metric, string];
      if (metric === 'seen' && n < before) stale.add(labels);
    }
    const gone: string[] = [];
    for (const key of this.totals.keys()) if (stale.has(key.split('\t')[1]!)) gone.push(key);
    for (const key of gone) this.totals.delete(key);
    if (gone.length === 0) return [];
    // The values still used are those of the label sets left.
    const rows = [...this.totals].map(([key, n]) => ({ key, n }));
    this.load(rows);
    return gone;
  }

  /** The totals as /metrics renders them. */
  counts(): MetricCounts {
    const tasks = new Map<string, MetricCounts['tasks'][number]>();
    const runtime = new Map<string, { name: string; worker: string; queue: string; count: number; sum: number; per: number[] }>();
    const failed: MetricCounts['failed'] = [];
    for (const [key, n] of this.totals) {
      const [metric, labels, extraJson] = key.split('\t') as [Metric, string, string];
      if (metric === 'seen') continue;
      const [name, worker, queue] = this.labelsOf(labels);
      if (metric === 'failed') {
        failed.push({ name, worker, queue, exception: JSON.parse(extraJson) as string, n });
      } else if (metric.startsWith('runtime_')) {
        let r = runtime.get(labels);
        if (!r) runtime.set(labels, (r = { name, worker, queue, count: 0, sum: 0, per: new Array<number>(RUNTIME_BUCKETS.length + 1).fill(0) }));
        if (metric === 'runtime_count') r.count += n;
        else if (metric === 'runtime_sum') r.sum += n;
        else r.per[Number(extraJson)]! += n;
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
