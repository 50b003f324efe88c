import type { BatchSummary } from '../../api/contract.js';

/** How long, in words a glance can take: 45 s, 3 min, 1 h 20 min. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** One bar per batch: succeeded, failed, cancelled, running, waiting, as parts of the whole. */
export function BatchBar({ batch }: { batch: BatchSummary }) {
  const part = (n: number): string => `${(n / Math.max(1, batch.total)) * 100}%`;
  const c = batch.counts;
  return (
    <div className="batch-progress">
      <div className="stack" role="progressbar" aria-label={`batch ${batch.id}`} aria-valuemin={0} aria-valuemax={batch.total} aria-valuenow={batch.done} data-testid={`batch-bar-${batch.id}`}>
        <span className="ok" style={{ width: part(c.succeeded) }} />
        <span className="fail" style={{ width: part(c.failed) }} />
        <span className="revoked" style={{ width: part(c.revoked) }} />
        <span className="run" style={{ width: part(c.running) }} />
      </div>
      <div className="batch-numbers" data-testid={`batch-count-${batch.id}`}>
        <strong>{batch.done} / {batch.total}</strong>
        <span className="ok-text">{c.succeeded} done</span>
        {c.failed > 0 && <span className="error-text">{c.failed} failed</span>}
        {c.running > 0 && <span>{c.running} running</span>}
        {c.waiting > 0 && <span className="muted">{c.waiting} waiting</span>}
        {c.revoked > 0 && <span className="muted">{c.revoked} cancelled</span>}
        {batch.rate !== null && <span className="muted">{batch.rate >= 10 ? Math.round(batch.rate) : batch.rate.toFixed(1)}/s</span>}
        {batch.secondsLeft !== null && <span className="muted">about {duration(batch.secondsLeft)} left</span>}
      </div>
    </div>
  );
}
