import { useRef, useState } from 'react';
import { duration } from '../../format/units.js';
import { useCall, useEvery } from '../../api/use-call.js';
import { Chart, Sparkline } from './Chart.js';

type Range = '15m' | '1h' | '24h' | '7d';
const RANGES: Range[] = ['15m', '1h', '24h', '7d'];
/** Samples kept for the queue sparklines while the view is open (2 s apart: 4 minutes). */
const SAMPLES = 120;

/** The first view: throughput, per-task runtime and failures, queues with their age, workers — live. */
export function Overview() {
  const [range, setRange] = useState<Range>('1h');
  const { data, error, reload } = useCall('overview:get', { range }, [range]);
  const samples = useRef(new Map<string, number[]>());
  useEvery(reload, 2000);
  if (data) {
    const push = (key: string, v: number): void => {
      const list = samples.current.get(key) ?? [];
      if (list.length >= SAMPLES) list.shift();
      list.push(v);
      samples.current.set(key, list);
    };
    for (const q of data.queues) push(`q:${q.name}`, q.depth);
  }
  if (error && !data) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Loading the overview…</p>;
  const total = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const ms = (s: number | null): string => (s === null ? '—' : duration(s));
  return (
    <section>
      <header className="view-header">
        <h2>Overview</h2>
        <div className="segmented" role="group" aria-label="range">
          {RANGES.map((r) => <button key={r} className={r === range ? 'on' : ''} onClick={() => setRange(r)}>{r}</button>)}
        </div>
      </header>
      <p className="muted" data-testid="overview-totals">
        {total(data.throughput.succeeded).toLocaleString()} succeeded · {total(data.throughput.failed).toLocaleString()} failed in the last {range} · {data.workersOnline} worker{data.workersOnline === 1 ? '' : 's'} online
      </p>
      <Chart label="tasks finished per bucket" at={data.throughput.at} series={[{ label: 'succeeded', values: data.throughput.succeeded, color: '#2e7d32' }, { label: 'failed', values: data.throughput.failed, color: '#c62828' }]} />
      <Chart label="workers online" testId="workers-chart" height={140} at={data.throughput.at} series={[{ label: 'workers online', values: data.workersOverTime, color: '#1565c0' }]} />
      <div className="columns">
        <div>
          <h3>Tasks</h3>
          <table className="table" aria-label="tasks by name">
            <thead><tr><th>Task</th><th className="num">Finished</th><th className="num">Failed</th><th className="num">p50</th><th className="num">p95</th></tr></thead>
            <tbody>
              {data.tasks.slice(0, 30).map((t) => (
                <tr key={t.name} data-overview-task={t.name}>
                  <td className="mono"><a href={`#/tasks?q=${encodeURIComponent(`name:${t.name}`)}`}>{t.name}</a></td>
                  <td className="num">{t.count.toLocaleString()}</td>
                  <td className={`num ${t.failureRate > 0 ? 'error-text' : ''}`}>{(t.failureRate * 100).toFixed(1)} %</td>
                  <td className="num">{ms(t.p50)}</td>
                  <td className="num">{ms(t.p95)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h3>Queues</h3>
          <table className="table" aria-label="queue health">
            <thead><tr><th>Queue</th><th className="num">Waiting</th><th /><th className="num">Oldest</th></tr></thead>
            <tbody>
              {data.queues.map((q) => (
                <tr key={q.name} data-overview-queue={q.name}>
                  <td className="mono">{q.name}{q.paused && <span className="chip"> paused</span>}</td>
                  <td className="num">{q.depth.toLocaleString()}</td>
                  <td><Sparkline values={samples.current.get(`q:${q.name}`) ?? []} /></td>
                  <td className="num" title={q.oldestFrom === 'unknown' ? 'sent while nothing watched, by a producer that puts no time in its messages' : undefined}>{q.oldestAgeS !== null ? duration(q.oldestAgeS) : q.oldestFrom === 'unknown' ? 'unknown' : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
